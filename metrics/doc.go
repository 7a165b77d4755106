// Package metrics measures segmentation quality the way the chapter (the
// reference on U-Net loss functions that package loss and the README name)
// advises to watch it beside the loss: hard Dice and IoU (Jaccard) from
// logits and labels, and early stopping on a validation score.
//
// Counts accumulates per-class true positives, false positives and false
// negatives. Add takes softmax logits (NCHW, as package loss) and one class
// index per pixel and predicts the argmax class; AddBinary takes sigmoid
// logits and float targets and predicts positive above a probability
// threshold. Counts of different batches, images or workers add up: call Add
// on every batch, or give every worker its own Counts and Merge them. Result
// turns the counts into per-class, macro (mean over classes), micro (pooled
// counts) and per-image Dice and IoU:
//
//	Dice = 2TP / (2TP + FP + FN),  IoU = TP / (TP + FP + FN),  Dice = 2 IoU / (1 + IoU)
//
// A class absent from both prediction and target has no defined Dice;
// EmptyPolicy says what it scores, and EmptyFromLoss picks the policy under
// which the metric equals 1 - the loss.Region loss of one-hot predictions,
// for each of the loss's own empty policies.
//
// EarlyStopping follows one validation score per epoch (Dice or IoU to
// maximise, a loss to minimise) and says when to stop and which epoch to
// restore.
//
// Time-varying weights of a mixed loss, lambda(t)*CE + (1-lambda(t))*Dice,
// are loss.Schedule (loss.Linear, loss.Cosine, loss.Step) and loss.Mix; this
// package does not repeat them.
//
// Bad input (wrong lengths, labels out of range, C < 1, bad options) gets an
// error value wrapping one of package loss's errors (loss.ErrShape,
// loss.ErrLength, loss.ErrLabel, loss.ErrOption) whose text says this
// package and the kind once ("metrics: bad shape: Counts.C = 0, want at
// least 1"), never a panic, and leaves the counts unchanged.
package metrics
