package metrics_test

import (
	"fmt"

	"github.com/segloss/segloss/loss"
	"github.com/segloss/segloss/metrics"
)

// Hard Dice and IoU of a batch of 2 images, 3 classes, 2x2 pixels (NCHW
// logits, one label per pixel).
func ExampleCounts() {
	sh := loss.NewShape(2, 3, 2, 2)
	logits := []float32{
		2, 0, 0, 1, // image 0, class 0
		0, 2, 0, 0, // class 1
		0, 0, 2, 1, // class 2
		1, 1, 1, 1, // image 1
		3, 0, 0, -1,
		0, 0, 3, 2,
	}
	labels := []uint8{0, 1, 2, 2, 1, 1, 2, 2}

	m := metrics.Counts{C: 3}
	if err := m.Add(logits, loss.U8(labels), sh); err != nil {
		fmt.Println(err)
		return
	}
	r, _ := m.Result(metrics.Options{})
	fmt.Printf("TP %v FP %v FN %v\n", m.TP, m.FP, m.FN)
	fmt.Printf("Dice %.4f macro %.4f micro %.4f\n", r.Dice, r.MacroDice, r.MicroDice)
	fmt.Printf("IoU  %.4f macro %.4f micro %.4f\n", r.IoU, r.MacroIoU, r.MicroIoU)
	r, _ = m.Result(metrics.Options{ExcludeBackground: true})
	fmt.Printf("without background: Dice %.4f macro %.4f\n", r.Dice, r.MacroDice)
	// Output:
	// TP [1 2 3] FP [2 0 0] FN [0 1 1]
	// Dice [0.5000 0.8000 0.8571] macro 0.7190 micro 0.7500
	// IoU  [0.3333 0.6667 0.7500] macro 0.5833 micro 0.6000
	// without background: Dice [NaN 0.8000 0.8571] macro 0.8286
}

// Binary segmentation with sigmoid logits: a pixel is foreground when its
// probability is above the threshold.
func ExampleCounts_AddBinary() {
	logits := []float32{3, -2, 0.5, -4, 2, 1}
	targets := []float32{1, 0, 1, 0, 1, 0}
	sh := loss.NewShape(1, 1, 2, 3)
	for _, thr := range []float64{0.5, 0.7} {
		m := metrics.Counts{C: 1, Threshold: thr}
		if err := m.AddBinary(logits, targets, sh); err != nil {
			fmt.Println(err)
			return
		}
		r, _ := m.Result(metrics.Options{})
		fmt.Printf("threshold %.1f: TP %d FP %d FN %d, Dice %.4f IoU %.4f\n", thr, m.TP[0], m.FP[0], m.FN[0], r.Dice[0], r.IoU[0])
	}
	// Output:
	// threshold 0.5: TP 3 FP 1 FN 0, Dice 0.8571 IoU 0.7500
	// threshold 0.7: TP 2 FP 1 FN 1, Dice 0.6667 IoU 0.5000
}

// Counts of workers (or batches) merge into one; per-image scores need
// PerImage. TargetEmptySkip leaves out a class the image does not contain,
// as MONAI's DiceMetric(ignore_empty=True) and loss.EmptySkip do.
func ExampleCounts_Merge() {
	one := loss.NewShape(1, 2, 4)
	batches := []struct {
		logits []float32
		labels []uint8
	}{
		{[]float32{1, 1, -1, -1, -1, -1, 1, 1}, []uint8{0, 0, 1, 1}},
		{[]float32{1, 1, 1, -1, -1, -1, -1, 1}, []uint8{0, 0, 0, 0}},
	}
	total := metrics.Counts{C: 2, PerImage: true}
	for _, b := range batches {
		worker := metrics.Counts{C: 2, PerImage: true}
		if err := worker.Add(b.logits, loss.U8(b.labels), one); err != nil {
			fmt.Println(err)
			return
		}
		if err := total.Merge(&worker); err != nil {
			fmt.Println(err)
			return
		}
	}
	for _, p := range []metrics.EmptyPolicy{metrics.BothEmptyOne, metrics.TargetEmptySkip} {
		r, _ := total.Result(metrics.Options{Empty: p})
		fmt.Printf("%v: image 1 Dice %.4f, mean over images and classes %.4f\n", p, r.Images[1].Dice, r.ImageDice)
	}
	// Output:
	// BothEmptyOne: image 1 Dice [0.8571 0.0000], mean over images and classes 0.7143
	// TargetEmptySkip: image 1 Dice [0.8571 NaN], mean over images and classes 0.9524
}

// The metric policy that agrees with a Region loss: Dice = 1 - Dice loss on
// one-hot predictions.
func ExampleEmptyFromLoss() {
	for _, p := range []loss.EmptyPolicy{loss.EmptyComputed, loss.EmptySkip, loss.EmptyZero} {
		m, _ := metrics.EmptyFromLoss(p)
		fmt.Println(m)
	}
	// Output:
	// BothEmptyOne
	// TargetEmptySkip
	// TargetEmptyOne
}

// Early stopping on validation Dice: stop after 2 epochs without a gain of
// more than 0.01, and restore the best epoch.
func ExampleEarlyStopping() {
	stop, _ := metrics.NewEarlyStopping(metrics.Max, 2, 0.01)
	for epoch, dice := range []float64{0.20, 0.45, 0.61, 0.615, 0.60, 0.64} {
		improved, done := stop.Step(dice)
		fmt.Printf("epoch %d dice %.3f improved %v\n", epoch, dice, improved)
		if done {
			break
		}
	}
	best, dice, _ := stop.Best()
	fmt.Printf("stopped; restore epoch %d (dice %.3f)\n", best, dice)
	// Output:
	// epoch 0 dice 0.200 improved true
	// epoch 1 dice 0.450 improved true
	// epoch 2 dice 0.610 improved true
	// epoch 3 dice 0.615 improved false
	// epoch 4 dice 0.600 improved false
	// stopped; restore epoch 2 (dice 0.610)
}

// MONAI's DiceMetric(reduction="mean") on two images of three classes:
// each image's classes are averaged first (classes absent from an image's
// target skipped, ignore_empty=True), then the images.
func ExampleReduce() {
	pred := []float32{ // 0/1 predictions, used as logits (positive above 0)
		1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1,
		1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0,
	}
	target := []float32{
		1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0,
	}
	m := &metrics.Counts{C: 3, PerImage: true}
	if err := m.AddBinary(pred, target, loss.NewShape(2, 3, 2, 2)); err != nil {
		fmt.Println(err)
		return
	}
	r, err := m.Result(metrics.Options{Empty: metrics.TargetEmptySkip})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, n, c, _ := r.ImageMatrix(metrics.MetricDice)
	mean, notNaN, _ := metrics.Reduce(f, n, c, metrics.ReduceMean)
	perClass, _, _ := metrics.Reduce(f, n, c, metrics.ReduceMeanBatch)
	fmt.Printf("mean %.6f over %v images; per class %.4f; flat mean %.6f\n", mean[0], notNaN[0], perClass, r.ImageDice)
	// Output:
	// mean 0.689683 over 2 images; per class [0.6786 0.4000 0.6667]; flat mean 0.605952
}
