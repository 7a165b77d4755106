package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/segloss/segloss/loss"
)

// workload is a synthetic batch: logits that mostly agree with imbalanced
// blob-shaped labels, and for the binary losses one channel of logits with
// 0/1 targets (class 1 of the labels).
type workload struct {
	name    string
	n, c    int
	spatial []int
	int32   bool // int32 labels (else uint8)

	shape, bshape loss.Shape
	logits        []float32
	u8            []uint8
	i32           []int32
	blogits       []float32
	targets       []float32
	weights       []float32 // class weights inversely proportional to frequency
	// Per-pixel weights (N*S, the -extra weighted rows): 1 + 9*[label = 1]
	// (a border-like emphasis of one class), and a 0/1 mask of every other
	// image row; bench/torch/bench.py builds the same maps.
	pixw, mask []float32
	// The binary logits' probabilities, and soft targets sigmoid(x/2)
	// (the -extra probability and soft-label rows).
	probs, soft []float32
	// The soft-ce+dice row's probability targets (softTargets).
	ysoft []float32
	// The dice-probs row's softmax probabilities (softmaxProbs).
	psoft []float32
	grad  []float32
	// workers is the -threads of the row a custom loss runs for (the
	// Multiclass and Binary ones take it as their Workers; Lovasz runs on
	// one goroutine).
	workers int
}

// workloadSpec is one default workload of `go run ./bench` and of
// BenchmarkLoss.
type workloadSpec struct {
	shape  string   // NxCxS...
	losses []string // the losses it runs (exact names); nil: every loss
}

// defaultWorkloads are the batches of `go run ./bench`: a 2-D batch with
// uint8 labels, a 3-D CT patch (14 organs) with int32 labels, and a
// whole-body CT patch (TotalSegmentator's 104 classes plus background,
// 93M logits) with int32 labels. The whole-body patch runs the losses its
// users train with (CE, Dice, CE + Dice) and fewer repetitions (see
// bigLogits): its full list would take minutes.
var defaultWorkloads = []workloadSpec{
	{shape: "8x4x512x512"},
	{shape: "1x14x96x96x96"},
	{shape: "1x105x96x96x96", losses: []string{"ce", "dice", "ce+dice"}},
}

// defaultShapes returns the shapes of defaultWorkloads.
func defaultShapes() []string {
	s := make([]string, len(defaultWorkloads))
	for i, w := range defaultWorkloads {
		s[i] = w.shape
	}
	return s
}

// runs reports whether the workload runs the named loss.
func (s workloadSpec) runs(name string) bool {
	return s.losses == nil || slices.Contains(s.losses, name)
}

// bigLogits is the size from which a workload is big: segloss times one
// run after its warm-up (whatever -count says) and skips the generic tier,
// PyTorch times one run without a warm-up.
const bigLogits = 1 << 26

// torchSlowWork is the C * logits above which PyTorch's forward+backward
// of the losses built on the chapter's MultiClassDiceLoss (torchPerClass)
// runs only with -big: the class loops over the C classes and each class's
// backward step writes a gradient tensor of every logit, C^2 * S work
// (about 100 s a call at 1x105x96x96x96 on one thread).
const torchSlowWork = 1 << 32

// parseShape reads "NxCxS1xS2..." into N, C and the spatial sizes.
func parseShape(s string) (n, c int, spatial []int, err error) {
	parts := strings.Split(s, "x")
	if len(parts) < 3 {
		return 0, 0, nil, fmt.Errorf("shape %q: want NxCxH[xW[xD]]", s)
	}
	v := make([]int, len(parts))
	for i, p := range parts {
		if v[i], err = strconv.Atoi(p); err != nil || v[i] < 1 {
			return 0, 0, nil, fmt.Errorf("shape %q: %q is not a positive integer", s, p)
		}
	}
	if v[1] > 255 && len(v) == 4 {
		return 0, 0, nil, fmt.Errorf("shape %q: 2-D workloads use uint8 labels, C <= 255", s)
	}
	return v[0], v[1], v[2:], nil
}

// newWorkload builds the batch of a shape: uint8 labels for 2-D images,
// int32 for volumes.
func newWorkload(spec string) (*workload, error) {
	n, c, spatial, err := parseShape(spec)
	if err != nil {
		return nil, err
	}
	w := &workload{name: spec, n: n, c: c, spatial: spatial, int32: len(spatial) != 2}
	w.shape = loss.NewShape(n, c, spatial...)
	w.bshape = loss.NewShape(n, 1, spatial...)
	r := rand.New(rand.NewPCG(1, 2))
	S := w.shape.S
	last := spatial[len(spatial)-1]
	labels := make([]int32, n*S)
	for i := range labels {
		px := i % S
		h, x := px/last, px%last
		if k := ((h/64)*7 + (x/48)*3) % (c + 3); k < c {
			labels[i] = int32(k)
		}
		if r.IntN(10) == 0 {
			labels[i] = int32(r.IntN(c))
		}
	}
	if w.int32 {
		w.i32 = labels
	} else {
		w.u8 = make([]uint8, len(labels))
		for i, v := range labels {
			w.u8[i] = uint8(v)
		}
	}
	w.logits = make([]float32, w.shape.Len())
	for i := range w.logits {
		img, cls, px := i/(c*S), (i/S)%c, i%S
		v := float32(r.NormFloat64())
		if int(labels[img*S+px]) == cls {
			v += 2
		}
		w.logits[i] = v
	}
	w.blogits = make([]float32, w.bshape.Len())
	w.targets = make([]float32, w.bshape.Len())
	for i := range w.targets {
		if labels[i] == 1 {
			w.targets[i] = 1
		}
		w.blogits[i] = float32(r.NormFloat64()) + 3*w.targets[i] - 1.5
	}
	w.weights = make([]float32, c)
	if err := loss.ClassWeights(w.labels(), c, loss.IgnoreIndex{}, w.weights); err != nil {
		return nil, err
	}
	w.pixw, w.mask = make([]float32, n*S), make([]float32, n*S)
	for i, v := range labels {
		w.pixw[i] = 1
		if v == 1 {
			w.pixw[i] = 10
		}
		if (i%S/last)%2 == 0 {
			w.mask[i] = 1
		}
	}
	w.probs, w.soft = make([]float32, len(w.blogits)), make([]float32, len(w.blogits))
	for i, v := range w.blogits {
		w.probs[i] = float32(1 / (1 + math.Exp(-float64(v))))
		w.soft[i] = float32(1 / (1 + math.Exp(-0.5*float64(v))))
	}
	w.grad = make([]float32, w.shape.Len())
	return w, nil
}

func (w *workload) labels() loss.Labels {
	if w.int32 {
		return loss.I32(w.i32)
	}
	return loss.U8(w.u8)
}

// lossDef is one row of the table: a loss as a PyTorch user knows it.
type lossDef struct {
	name   string
	binary bool
	// multiclass or binary builds the loss for a workload.
	multiclass func(w *workload) *loss.Multiclass
	binaryLoss func(w *workload) *loss.Binary
	// custom, when set, computes a loss outside Multiclass and Binary
	// (the value, and the gradient added into grad when it is not nil).
	custom func(w *workload, grad []float32) (float64, error)
	// extra rows run only with -extra or when -loss names them.
	extra bool
	// torchPerClass: bench/torch/bench.py computes it with the chapter's
	// MultiClassDiceLoss, one full-size gradient tensor per class in its
	// backward (see torchSlowWork).
	torchPerClass bool
}

func one(t loss.Term) []loss.Weighted { return []loss.Weighted{{Weight: 1, Term: t}} }

// losses lists every loss of the table; bench/torch/bench.py computes the
// same ones with PyTorch under the same names.
var losses = []lossDef{
	{name: "ce", multiclass: func(*workload) *loss.Multiclass { return &loss.Multiclass{Terms: one(&loss.CrossEntropy{})} }},
	{name: "weighted-ce", multiclass: func(w *workload) *loss.Multiclass {
		return &loss.Multiclass{Terms: one(&loss.CrossEntropy{Weight: w.weights, Reduction: loss.PixelMean})}
	}},
	{name: "ce-smooth-0.1", multiclass: func(*workload) *loss.Multiclass {
		return &loss.Multiclass{Terms: one(&loss.CrossEntropy{LabelSmoothing: 0.1})}
	}},
	{name: "focal", multiclass: func(*workload) *loss.Multiclass { return &loss.Multiclass{Terms: one(&loss.Focal{Gamma: 2})} }},
	{name: "dice", torchPerClass: true, multiclass: func(*workload) *loss.Multiclass { return &loss.Multiclass{Terms: one(loss.Dice())} }},
	{name: "dice-per-image-nobg", multiclass: func(*workload) *loss.Multiclass {
		r := loss.Dice()
		r.PerImage, r.ExcludeBackground = true, true
		return &loss.Multiclass{Terms: one(r)}
	}},
	{name: "iou", multiclass: func(*workload) *loss.Multiclass { return &loss.Multiclass{Terms: one(loss.IoU())} }},
	{name: "tversky", multiclass: func(*workload) *loss.Multiclass { return &loss.Multiclass{Terms: one(loss.Tversky(0.3, 0.7))} }},
	{name: "focal-tversky", multiclass: func(*workload) *loss.Multiclass {
		return &loss.Multiclass{Terms: one(loss.FocalTversky(0.3, 0.7, 0.75))}
	}},
	{name: "ce+dice", torchPerClass: true, multiclass: func(*workload) *loss.Multiclass { return loss.CombinedLoss(0.5, 0.5) }},
	{name: "mix-linear-3of10", torchPerClass: true, multiclass: func(*workload) *loss.Multiclass {
		return loss.Mix(loss.Linear{}, 3, 10, &loss.CrossEntropy{}, loss.Dice())
	}},
	{name: "binary-bce", binary: true, binaryLoss: func(*workload) *loss.Binary { return &loss.Binary{Terms: one(&loss.BCE{})} }},
	{name: "binary-focal", binary: true, binaryLoss: func(*workload) *loss.Binary {
		return &loss.Binary{Terms: one(loss.NewSigmoidFocal())}
	}},
	{name: "binary-dice", binary: true, binaryLoss: func(*workload) *loss.Binary { return &loss.Binary{Terms: one(loss.Dice())} }},
	{name: "binary-bce+dice", binary: true, binaryLoss: func(*workload) *loss.Binary {
		return &loss.Binary{Terms: []loss.Weighted{{Weight: 0.5, Term: &loss.BCE{}}, {Weight: 0.5, Term: loss.Dice()}}}
	}},
	// The MONAI / SMP losses (-extra): MONAI's GeneralizedDiceLoss, SMP's
	// MCCLoss and LovaszLoss.
	{name: "gdl", extra: true, multiclass: func(*workload) *loss.Multiclass {
		return &loss.Multiclass{Terms: one(loss.GeneralizedDice())}
	}},
	{name: "mcc", extra: true, multiclass: func(*workload) *loss.Multiclass { return &loss.Multiclass{Terms: one(loss.MCC())} }},
	{name: "lovasz-softmax", extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		return (&loss.Lovasz{}).LossWith(&benchWS, w.logits, w.labels(), w.shape, 1, grad)
	}},
	{name: "binary-mcc", binary: true, extra: true, binaryLoss: func(*workload) *loss.Binary { return &loss.Binary{Terms: one(loss.MCC())} }},
	{name: "binary-lovasz-hinge", binary: true, extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		return (&loss.Lovasz{}).BinaryLossWith(&benchWS, w.blogits, w.targets, w.bshape, 1, grad)
	}},
	// Probability inputs and soft labels (-extra): MONAI's DiceLoss with
	// sigmoid=False, torch's binary_cross_entropy, and MONAI's soft_label
	// Dice against soft targets.
	{name: "binary-dice-probs", binary: true, extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		return probsLoss(w, &loss.Binary{Activation: loss.NoActivation, Terms: one(loss.Dice())}, w.targets, grad)
	}},
	{name: "binary-bce-probs", binary: true, extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		return probsLoss(w, &loss.Binary{Activation: loss.NoActivation, Terms: one(&loss.BCE{})}, w.targets, grad)
	}},
	{name: "binary-soft-dice", binary: true, extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		r := loss.Dice()
		r.SoftLabel = true
		b := &loss.Binary{Terms: one(r), Workers: w.workers}
		if grad == nil {
			return b.Forward(&benchWS, w.blogits, w.soft, w.bshape)
		}
		return b.Backward(&benchWS, w.blogits, w.soft, w.bshape, grad)
	}},
	// Probability inputs with class-index labels (-extra): the chapter's
	// Dice on softmax probabilities, MONAI's DiceLoss(softmax=False,
	// to_onehot_y=True).
	{name: "dice-probs", extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		m := &loss.Multiclass{Activation: loss.NoActivation, Terms: one(loss.Dice()), Workers: w.workers}
		p := w.softmaxProbs()
		if grad == nil {
			return m.Forward(&benchWS, p, w.labels(), w.shape)
		}
		return m.Backward(&benchWS, p, w.labels(), w.shape, grad)
	}},
	// Probability targets (-extra): the chapter's CombinedLoss against
	// smoothed one-hot targets (0.9 on the label plus 0.1/C everywhere),
	// torch's cross_entropy with probability targets plus their Dice.
	{name: "soft-ce+dice", extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		m := loss.CombinedLoss(0.5, 0.5)
		m.Workers = w.workers
		y := w.softTargets()
		if grad == nil {
			return m.ForwardSoft(&benchWS, w.logits, y, w.shape)
		}
		return m.BackwardSoft(&benchWS, w.logits, y, w.shape, grad)
	}},
	// Per-pixel weights (-extra): U-Net's weighted CE, (w * ce).sum() /
	// w.sum(); a masked Dice (MONAI's MaskedDiceLoss); torch's BCE weight=.
	{name: "pixel-weighted-ce", extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		return weighted(w, &loss.Multiclass{Terms: one(&loss.CrossEntropy{Reduction: loss.WeightMean})}, w.pixw, grad)
	}},
	{name: "masked-dice", extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		return weighted(w, &loss.Multiclass{Terms: one(loss.Dice())}, w.mask, grad)
	}},
	{name: "binary-weighted-bce", binary: true, extra: true, custom: func(w *workload, grad []float32) (float64, error) {
		b := &loss.Binary{Terms: one(&loss.BCE{}), Workers: w.workers}
		if grad == nil {
			return b.ForwardWeighted(&benchWS, w.blogits, w.targets, w.pixw, w.bshape)
		}
		return b.BackwardWeighted(&benchWS, w.blogits, w.targets, w.pixw, w.bshape, grad)
	}},
}

// softTargets returns the probability targets of the soft-ce+dice row,
// made on first use (N*C*S floats): 0.9 on each pixel's label plus 0.1/C
// on every class, in float32 as bench.py's one_hot * 0.9 + 0.1 / C.
func (w *workload) softTargets() []float32 {
	if w.ysoft != nil {
		return w.ysoft
	}
	N, C, S := w.shape.N, w.shape.C, w.shape.S
	w.ysoft = make([]float32, w.shape.Len())
	off := float32(0.1 / float64(C))
	for i := range w.ysoft {
		w.ysoft[i] = off
	}
	for n := 0; n < N; n++ {
		for i := 0; i < S; i++ {
			var k int
			if w.int32 {
				k = int(w.i32[n*S+i])
			} else {
				k = int(w.u8[n*S+i])
			}
			w.ysoft[(n*C+k)*S+i] = float32(0.9) + off
		}
	}
	return w.ysoft
}

// softmaxProbs returns softmax(logits) over the classes of every pixel
// (the dice-probs row's inputs), made on first use.
func (w *workload) softmaxProbs() []float32 {
	if w.psoft != nil {
		return w.psoft
	}
	N, C, S := w.shape.N, w.shape.C, w.shape.S
	w.psoft = make([]float32, w.shape.Len())
	e := make([]float64, C)
	for n := 0; n < N; n++ {
		x := w.logits[n*C*S : (n+1)*C*S]
		for i := 0; i < S; i++ {
			mx := math.Inf(-1)
			for c := 0; c < C; c++ {
				mx = math.Max(mx, float64(x[c*S+i]))
			}
			var sum float64
			for c := range e {
				e[c] = math.Exp(float64(x[c*S+i]) - mx)
				sum += e[c]
			}
			for c, v := range e {
				w.psoft[(n*C+c)*S+i] = float32(v / sum)
			}
		}
	}
	return w.psoft
}

// benchWS is the workspace of the weighted rows (custom rows get none).
var benchWS loss.Workspace

// probsLoss runs b (NoActivation) on the binary workload's probabilities
// sigmoid(logits) against targets y.
func probsLoss(w *workload, b *loss.Binary, y, grad []float32) (float64, error) {
	b.Workers = w.workers
	if grad == nil {
		return b.Forward(&benchWS, w.probs, y, w.bshape)
	}
	return b.Backward(&benchWS, w.probs, y, w.bshape, grad)
}

// weighted runs m's weighted Forward (grad nil) or Backward on w.
func weighted(w *workload, m *loss.Multiclass, pw, grad []float32) (float64, error) {
	m.Workers = w.workers
	if grad == nil {
		return m.ForwardWeighted(&benchWS, w.logits, w.labels(), pw, w.shape)
	}
	return m.BackwardWeighted(&benchWS, w.logits, w.labels(), pw, w.shape, grad)
}

// runner returns the function that computes one loss in one mode on a
// workload with the given number of workers, and the number of logits it
// reads.
func (d *lossDef) runner(w *workload, backward bool, workers int, ws *loss.Workspace) (func() (float64, error), int) {
	if d.custom != nil {
		n := w.shape.Len()
		if d.binary {
			n = w.bshape.Len()
		}
		var g []float32
		if backward {
			g = w.grad[:n]
		}
		return func() (float64, error) { w.workers = workers; return d.custom(w, g) }, n
	}
	if d.binary {
		b := d.binaryLoss(w)
		b.Workers = workers
		n := w.bshape.Len()
		if backward {
			return func() (float64, error) { return b.Backward(ws, w.blogits, w.targets, w.bshape, w.grad[:n]) }, n
		}
		return func() (float64, error) { return b.Forward(ws, w.blogits, w.targets, w.bshape) }, n
	}
	m := d.multiclass(w)
	m.Workers = workers
	lab := w.labels()
	if backward {
		return func() (float64, error) { return m.Backward(ws, w.logits, lab, w.shape, w.grad) }, w.shape.Len()
	}
	return func() (float64, error) { return m.Forward(ws, w.logits, lab, w.shape) }, w.shape.Len()
}

// region reports whether the loss has a term that needs every pixel before
// any gradient element (a Region term, or a custom loss): its
// forward+backward reads the inputs twice.
func (d *lossDef) region(w *workload) bool {
	if d.custom != nil {
		return true
	}
	var terms []loss.Weighted
	if d.binary {
		terms = d.binaryLoss(w).Terms
	} else {
		terms = d.multiclass(w).Terms
	}
	for _, t := range terms {
		if _, ok := t.Term.(*loss.Region); ok {
			return true
		}
	}
	return false
}

// passBytes returns the bytes a call must move at the least: a forward
// reads the logits and the labels (or targets) once; a forward+backward of
// pixelwise terms only is one fused pass that also writes the gradient;
// one with a region term reads the logits and labels twice (statistics,
// then gradient) and writes the gradient once.
func (d *lossDef) passBytes(w *workload, backward bool) int64 {
	var logits, labels int64
	if d.binary {
		logits, labels = 4*int64(w.bshape.Len()), 4*int64(w.bshape.Len())
	} else {
		logits = 4 * int64(w.shape.Len())
		labels = int64(w.shape.N * w.shape.S)
		if w.int32 {
			labels *= 4
		}
	}
	switch {
	case !backward:
		return logits + labels
	case d.region(w):
		return 2*(logits+labels) + logits
	default:
		return logits + labels + logits
	}
}
