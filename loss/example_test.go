package loss_test

import (
	"fmt"

	"github.com/segloss/segloss/loss"
)

// A batch of 2 images with 3 classes and 2x2 pixels, NCHW, and its labels.
var (
	shape  = loss.NewShape(2, 3, 2, 2)
	logits = []float32{
		// image 0: class 0, 1, 2 planes
		2, 0, 0, 1,
		0, 2, 0, 0,
		0, 0, 2, 1,
		// image 1
		1, 1, 1, 1,
		3, 0, 0, -1,
		0, 0, 3, 2,
	}
	labels = []uint8{0, 1, 2, 2, 1, 1, 2, 2}
)

// The chapter's cross entropy: torch.nn.functional.cross_entropy.
func ExampleCrossEntropy() {
	var ws loss.Workspace
	ce := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: &loss.CrossEntropy{}}}}
	grad := make([]float32, shape.Len())
	v, err := ce.Backward(&ws, logits, loss.U8(labels), shape, grad)
	fmt.Printf("CE %.6f %v, d/dx[0] %.6f\n", v, err, grad[0])
	// Output:
	// CE 0.477597 <nil>, d/dx[0] -0.026627
}

// Weighted cross entropy with class weights inversely proportional to the
// class frequencies, reduced the chapter's way (divided by the pixel count).
func ExampleClassWeights() {
	w := make([]float32, 3)
	if err := loss.ClassWeights(loss.U8(labels), 3, loss.IgnoreIndex{}, w); err != nil {
		fmt.Println(err)
		return
	}
	wce := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: &loss.CrossEntropy{Weight: w, Reduction: loss.PixelMean}}}}
	var ws loss.Workspace
	v, _ := wce.Forward(&ws, logits, loss.U8(labels), shape)
	fmt.Printf("weights %.4f, weighted CE %.6f\n", w, v)
	// Output:
	// weights [2.6667 0.8889 0.6667], weighted CE 0.432752
}

// The chapter's FocalLoss with gamma 2.
func ExampleFocal() {
	var ws loss.Workspace
	fl := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: &loss.Focal{Gamma: 2}}}}
	v, _ := fl.Forward(&ws, logits, loss.U8(labels), shape)
	fmt.Printf("focal %.6f\n", v)
	// Output:
	// focal 0.165294
}

// The chapter's MultiClassDiceLoss, and a MONAI-style variant: per image,
// without background, ignoring label 255.
func ExampleDice() {
	var ws loss.Workspace
	dice := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: loss.Dice()}}}
	v, _ := dice.Forward(&ws, logits, loss.U8(labels), shape)
	fmt.Printf("dice loss %.6f\n", v)

	r := loss.Dice()
	r.PerImage, r.ExcludeBackground = true, true
	monai := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: r}}, Ignore: loss.Ignore(255)}
	v, _ = monai.Forward(&ws, logits, loss.U8(labels), shape)
	fmt.Printf("per-image dice loss without background %.6f\n", v)
	// Output:
	// dice loss 0.362689
	// per-image dice loss without background 0.268591
}

// The chapter's binary DiceLoss on sigmoid outputs.
func ExampleBinary() {
	x := []float32{3, -2, 0.5, -4, 2, 1}
	y := []float32{1, 0, 1, 0, 1, 0}
	var ws loss.Workspace
	dice := &loss.Binary{Terms: []loss.Weighted{{Weight: 1, Term: loss.Dice()}}}
	grad := make([]float32, len(x))
	v, _ := dice.Backward(&ws, x, y, loss.NewShape(1, 1, 2, 3), grad)
	fmt.Printf("binary dice loss %.6f, d/dx %.4f\n", v, grad)
	// Output:
	// binary dice loss 0.223340, d/dx [-0.0087 0.0129 -0.0455 0.0022 -0.0203 0.0241]
}

// IoU (Jaccard) loss; IoU = Dice / (2 - Dice) holds per class.
func ExampleIoU() {
	var ws loss.Workspace
	iou := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: loss.IoU()}}}
	v, _ := iou.Forward(&ws, logits, loss.U8(labels), shape)
	fmt.Printf("IoU loss %.6f\n", v)
	// Output:
	// IoU loss 0.518701
}

// Tversky with beta > alpha penalises false negatives more (small
// structures), and its focal variant.
func ExampleTversky() {
	var ws loss.Workspace
	tv := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: loss.Tversky(0.3, 0.7)}}}
	v, _ := tv.Forward(&ws, logits, loss.U8(labels), shape)
	ftv := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: loss.FocalTversky(0.3, 0.7, 0.75)}}}
	f, _ := ftv.Forward(&ws, logits, loss.U8(labels), shape)
	fmt.Printf("Tversky %.6f, focal Tversky %.6f\n", v, f)
	// Output:
	// Tversky 0.354082, focal Tversky 0.456978
}

// The chapter's CombinedLoss: 0.5 * CE + 0.5 * Dice, in one statistics pass
// and one gradient pass.
func ExampleCombinedLoss() {
	var ws loss.Workspace
	grad := make([]float32, shape.Len())
	v, _ := loss.CombinedLoss(0.5, 0.5).Backward(&ws, logits, loss.U8(labels), shape, grad)
	fmt.Printf("CE + Dice %.6f\n", v)
	// Output:
	// CE + Dice 0.420143
}

// The chapter's adaptive mix lambda(t) * CE + (1 - lambda(t)) * Dice, lambda
// decaying linearly from 1 to 0 over 10 epochs.
func ExampleMix() {
	var ws loss.Workspace
	for _, epoch := range []int{0, 5, 10} {
		m := loss.Mix(loss.Linear{}, epoch, 10, &loss.CrossEntropy{}, loss.Dice())
		v, _ := m.Forward(&ws, logits, loss.U8(labels), shape)
		fmt.Printf("epoch %2d: lambda %.1f, loss %.6f\n", epoch, m.Terms[0].Weight, v)
	}
	// Output:
	// epoch  0: lambda 1.0, loss 0.477597
	// epoch  5: lambda 0.5, loss 0.420143
	// epoch 10: lambda 0.0, loss 0.362689
}

// torch's binary_cross_entropy_with_logits with pos_weight, and torchvision's
// sigmoid_focal_loss.
func ExampleBCE() {
	x := []float32{3, -2, 0.5, -4, 2, 1}
	y := []float32{1, 0, 1, 0, 1, 0}
	sh := loss.NewShape(1, 1, 6)
	var ws loss.Workspace
	bce := &loss.Binary{Terms: []loss.Weighted{{Weight: 1, Term: &loss.BCE{PosWeight: []float32{3}}}}}
	v, _ := bce.Forward(&ws, x, y, sh)
	sf := &loss.Binary{Terms: []loss.Weighted{{Weight: 1, Term: loss.NewSigmoidFocal()}}}
	f, _ := sf.Forward(&ws, x, y, sh)
	fmt.Printf("BCE %.6f, sigmoid focal %.6f\n", v, f)
	// Output:
	// BCE 0.567853, sigmoid focal 0.090855
}

// Per-pixel values (torch reduction='none'), e.g. to multiply by a weight map.
func ExampleMulticlass_Pixelwise() {
	var ws loss.Workspace
	ce := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: &loss.CrossEntropy{Reduction: loss.None}}}}
	out := make([]float32, shape.N*shape.S)
	err := ce.Pixelwise(&ws, logits, loss.U8(labels), shape, out)
	fmt.Printf("%.4f %v\n", out, err)
	// Output:
	// [0.2395 0.2395 0.2395 0.8620 0.1698 1.5514 0.1698 0.3490] <nil>
}

// A batch split in shards, as a data-parallel job holds it: each shard's
// statistics are accumulated on its own (here in one process; on several
// machines, all-reduce st.Data by summing), the merged statistics give the
// whole batch's loss, and each shard's gradient follows from them.
func ExampleStats() {
	m := loss.CombinedLoss(0.5, 0.5)
	var ws loss.Workspace

	// The whole batch at once.
	whole, _ := m.Forward(&ws, logits, loss.U8(labels), shape)

	// Two shards of one image each: images 0 and 1 of the batch.
	per := shape.C * shape.S
	shardShape := loss.Shape{N: 1, C: shape.C, S: shape.S}
	var st loss.Stats
	if err := st.Reset(shape.N, shape.C); err != nil {
		panic(err)
	}
	for n := 0; n < shape.N; n++ {
		var part loss.Stats // on machine n
		if err := part.Reset(shape.N, shape.C); err != nil {
			panic(err)
		}
		if err := m.Accumulate(&ws, &part, logits[n*per:(n+1)*per], loss.U8(labels[n*shape.S:(n+1)*shape.S]), shardShape, n); err != nil {
			panic(err)
		}
		if err := st.Merge(&part); err != nil { // the all-reduce
			panic(err)
		}
	}
	merged, _ := m.Value(&ws, &st)

	grad := make([]float32, per)
	if _, err := m.Gradient(&ws, &st, logits[per:], loss.U8(labels[shape.S:]), shardShape, 1, grad); err != nil { // machine 1's gradient
		panic(err)
	}
	fmt.Printf("whole batch %.6f, merged shards %.6f\n", whole, merged)
	// Output:
	// whole batch 0.420143, merged shards 0.420143
}

// A Workspace is reused across calls (no allocation once grown) and may be
// held by value: a copy shares its buffers and workers. One call at a time
// per workspace; a concurrent second call gets ErrBusy.
func ExampleWorkspace() {
	type trainer struct {
		loss *loss.Multiclass
		ws   loss.Workspace // held by value: safe to copy, shared by copies
	}
	newTrainer := func() trainer { return trainer{loss: loss.CombinedLoss(0.5, 0.5)} }

	t := newTrainer() // returned by value
	grad := make([]float32, len(logits))
	for step := 0; step < 3; step++ {
		if _, err := t.loss.Backward(&t.ws, logits, loss.U8(labels), shape, grad); err != nil {
			fmt.Println(err)
			return
		}
	}
	v, err := t.loss.Forward(&t.ws, logits, loss.U8(labels), shape)
	fmt.Printf("%.6f %v %v\n", v, err, t.ws.Close())
	// Output:
	// 0.420143 <nil> <nil>
}

// MONAI's GeneralizedDiceLoss(softmax=True, to_onehot_y=True, smooth 1e-4)
// on its own test case: two images of two classes, three pixels each; and
// reduction="none", one value per image.
func ExampleGeneralizedDice() {
	logits := []float32{-1, 0, 1, 1, 0, -1, 0, 0, 0, 0, 0, 0}
	labels := loss.I32([]int32{1, 0, 0, 1, 1, 0})
	sh := loss.NewShape(2, 2, 3)
	gdl := loss.GeneralizedDice()
	gdl.SmoothNum, gdl.SmoothDen = 1e-4, 1e-4
	m := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: gdl}}}
	var ws loss.Workspace
	defer ws.Close()
	v, err := m.Forward(&ws, logits, labels, sh)
	if err != nil {
		fmt.Println(err)
		return
	}
	var st loss.Stats
	st.Reset(2, 2)
	m.Accumulate(&ws, &st, logits, labels, sh, 0)
	per := make([]float64, 2)
	gdl.Entries(&st, per)
	fmt.Printf("%.6f %.6f\n", v, per)
	// Output:
	// 0.414507 [0.273476 0.555539]
}

// The Lovász-softmax loss (SMP's LovaszLoss, multiclass mode) of a batch
// of one image of three pixels, two classes, and its gradient added into a
// buffer.
func ExampleLovasz() {
	logits := []float32{2, -1, 0.5, -2, 1, 0.5}
	labels := loss.I32([]int32{0, 1, 1})
	sh := loss.NewShape(1, 2, 3)
	grad := make([]float32, sh.Len())
	v, err := (&loss.Lovasz{}).Loss(logits, labels, sh, 1, grad)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f %.4f\n", v, grad)
	// Output:
	// 0.2927 [-0.0029 0.0350 0.1250 0.0029 -0.0350 -0.1250]
}

// The Lovász-softmax loss on a Workspace, as a training loop calls it:
// the scratch (about two float64 per logit) is grown by the first call
// and reused after, so later calls allocate nothing.
func ExampleLovasz_LossWith() {
	var ws loss.Workspace
	defer ws.Close()
	logits := []float32{2, -1, 0.5, -2, 1, 0.5}
	labels := loss.I32([]int32{0, 1, 1})
	sh := loss.NewShape(1, 2, 3)
	grad := make([]float32, sh.Len())
	for step := 0; step < 2; step++ {
		clear(grad) // the loss adds weight × its gradient into grad
		v, err := (&loss.Lovasz{}).LossWith(&ws, logits, labels, sh, 1, grad)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%.4f %.4f\n", v, grad)
	}
	// Output:
	// 0.2927 [-0.0029 0.0350 0.1250 0.0029 -0.0350 -0.1250]
	// 0.2927 [-0.0029 0.0350 0.1250 0.0029 -0.0350 -0.1250]
}

// U-Net's border-weighted cross entropy: a weight per pixel (here by hand;
// distance.WeightMap computes the paper's map from instance labels),
// averaged by the weights, torch's (w * ce_none).sum() / w.sum(). A zero
// weight takes a pixel out of the loss: its gradient is 0.
func ExampleMulticlass_BackwardWeighted() {
	var ws loss.Workspace
	defer ws.Close()
	w := []float32{1, 1, 5, 5, 1, 0, 1, 1} // N*S, the labels' layout
	ce := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: &loss.CrossEntropy{Reduction: loss.WeightMean}}}}
	grad := make([]float32, shape.Len())
	v, err := ce.BackwardWeighted(&ws, logits, loss.U8(labels), w, shape, grad)
	fmt.Printf("weighted CE %.6f %v, d/dx[0] %.6f, masked pixel %.6f\n", v, err, grad[0], grad[12+1])
	// Output:
	// weighted CE 0.445033 <nil>, d/dx[0] -0.014201, masked pixel 0.000000
}

// A masked BCE + Dice for a sigmoid loss (MONAI's MaskedDiceLoss and
// torch's BCE weight= with a 0/1 mask): masked elements count in neither
// term, and their gradient is 0.
func ExampleBinary_BackwardWeighted() {
	var ws loss.Workspace
	defer ws.Close()
	sh := loss.NewShape(2, 1, 4)
	x := []float32{2, -1, 0.5, -3, 1, 1, -2, 0}
	y := []float32{1, 0, 1, 0, 1, 0, 0, 0}
	mask := []float32{1, 1, 1, 0, 1, 1, 0, 0}
	b := &loss.Binary{Terms: []loss.Weighted{{Weight: 0.5, Term: &loss.BCE{}}, {Weight: 0.5, Term: loss.Dice()}}}
	grad := make([]float32, sh.Len())
	v, err := b.BackwardWeighted(&ws, x, y, mask, sh, grad)
	fmt.Printf("masked BCE + Dice %.6f %v, d/dx[0] %.6f, masked %.6f\n", v, err, grad[0], grad[3])
	// Output:
	// masked BCE + Dice 0.300410 <nil>, d/dx[0] -0.018256, masked 0.000000
}

// MONAI's DiceLoss(sigmoid=False) and torch's binary_cross_entropy: the
// inputs are probabilities, used as they are (exact 0 and 1 included: each
// log is clamped at -100, as torch clamps it), and the gradient is
// d(loss)/dp.
func ExampleBinary_noActivation() {
	var ws loss.Workspace
	defer ws.Close()
	sh := loss.NewShape(1, 1, 4)
	p := []float32{0.9, 0.2, 1, 0}
	y := []float32{1, 0, 1, 1}
	b := &loss.Binary{Activation: loss.NoActivation, Terms: []loss.Weighted{{Weight: 1, Term: &loss.BCE{}}}}
	grad := make([]float32, sh.Len())
	v, err := b.Backward(&ws, p, y, sh, grad)
	fmt.Printf("BCE %.5f %v, d/dp %.4f %.4f %.0f %.3g\n", v, err, grad[0], grad[1], grad[2], grad[3])
	// Output:
	// BCE 25.08213 <nil>, d/dp -0.2778 0.3125 0 -2.5e+11
}

// Probability targets (soft labels: mixup, label distributions): torch's
// cross_entropy with probability targets plus a Dice term against them.
// One-hot targets give the class-index loss. (torch: F.cross_entropy(x, y)
// + the chapter's Dice of softmax(x) against y: 1.4609163, d/dx[0]
// -0.0050980.)
func ExampleMulticlass_BackwardSoft() {
	var ws loss.Workspace
	targets := make([]float32, shape.Len())
	for n := 0; n < shape.N; n++ {
		for i := 0; i < shape.S; i++ {
			k := int(labels[n*shape.S+i])
			targets[(n*shape.C+k)*shape.S+i] = 0.7 // 0.7 on the label, 0.15 on each other class
			for c := 0; c < shape.C; c++ {
				if c != k {
					targets[(n*shape.C+c)*shape.S+i] = 0.15
				}
			}
		}
	}
	m := &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: &loss.CrossEntropy{}}, {Weight: 1, Term: loss.Dice()}}}
	grad := make([]float32, shape.Len())
	v, err := m.BackwardSoft(&ws, logits, targets, shape, grad)
	fmt.Printf("CE + Dice %.6f %v, d/dx[0] %.6f\n", v, err, grad[0])
	// Output:
	// CE + Dice 1.460916 <nil>, d/dx[0] -0.005098
}
