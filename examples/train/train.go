package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/segloss/segloss/loss"
	"github.com/segloss/segloss/metrics"
)

// Classes: background (0) and foreground (1), softmax over both.
const Classes = 2

// Model is per-pixel softmax regression on the Features planes: the logit
// of class c at pixel i is sum_f W[c][f] * feature_f(i).
type Model struct {
	W [Classes][Features]float64
}

// logits writes the model's logits of n images (features feat, n*Features
// planes) into dst (n*Classes planes, NCHW).
func (m *Model) logits(feat []float32, n int, dst []float32) {
	for k := 0; k < n; k++ {
		f := feat[k*Features*pixels : (k+1)*Features*pixels]
		for c := 0; c < Classes; c++ {
			out := dst[(k*Classes+c)*pixels : (k*Classes+c+1)*pixels]
			clear(out)
			for j := 0; j < Features; j++ {
				w := float32(m.W[c][j])
				for i, v := range f[j*pixels : (j+1)*pixels] {
					out[i] += w * v
				}
			}
		}
	}
}

// grad adds to dW the gradient of the loss with respect to the weights,
// given g = d(loss)/d(logits) of n images: by the chain rule, dL/dW[c][f] =
// sum_i g[c][i] * feature_f(i).
func (m *Model) grad(feat, g []float32, n int, dW *[Classes][Features]float64) {
	for k := 0; k < n; k++ {
		f := feat[k*Features*pixels : (k+1)*Features*pixels]
		for c := 0; c < Classes; c++ {
			gc := g[(k*Classes+c)*pixels : (k*Classes+c+1)*pixels]
			for j := 0; j < Features; j++ {
				var s float32
				for i, v := range f[j*pixels : (j+1)*pixels] {
					s += gc[i] * v
				}
				dW[c][j] += float64(s)
			}
		}
	}
}

// Spec is one loss to train with: a constructor of the loss of epoch t of
// T (only the scheduled mix depends on t) given the class weights of the
// training set.
type Spec struct {
	Name string
	Make func(epoch, total int, classWeights []float32) *loss.Multiclass
	// Schedule is the mix's schedule of the CE weight, nil for a fixed loss.
	Schedule loss.Schedule
}

func single(t loss.Term) *loss.Multiclass {
	return &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: t}}}
}

// Specs are the losses the example compares.
var Specs = []Spec{
	{"CE", func(int, int, []float32) *loss.Multiclass { return single(&loss.CrossEntropy{}) }, nil},
	{"weighted CE", func(_, _ int, w []float32) *loss.Multiclass {
		return single(&loss.CrossEntropy{Weight: w, Reduction: loss.PixelMean})
	}, nil},
	{"Dice", func(int, int, []float32) *loss.Multiclass { return single(loss.Dice()) }, nil},
	{"CE + Dice", func(int, int, []float32) *loss.Multiclass { return loss.CombinedLoss(0.5, 0.5) }, nil},
	{"Tversky a=0.3 b=0.7", func(int, int, []float32) *loss.Multiclass { return single(loss.Tversky(0.3, 0.7)) }, nil},
	{"focal g=2", func(int, int, []float32) *loss.Multiclass { return single(&loss.Focal{Gamma: 2}) }, nil},
	{"mix CE->Dice (linear)", func(t, T int, _ []float32) *loss.Multiclass {
		return loss.Mix(loss.Linear{}, t, T, &loss.CrossEntropy{}, loss.Dice())
	}, loss.Linear{}},
}

// Config is one run of the example.
type Config struct {
	Seed             uint64
	Train, Val, Test int // images
	Batch            int // images per SGD step
	Epochs           int // at most
	Patience         int // early stopping on validation Dice
	MinDelta         float64
	LR               float64
	Data             DataConfig
	Specs            []Spec
	OutDir           string // where the CSV and PNG go; "" writes nothing
}

// Epoch is one point of a loss's curves.
type Epoch struct {
	Epoch              int
	Lambda             float64 // the scheduled mix's CE weight lambda(t); NaN for a fixed loss
	TrainLoss, ValLoss float64
	ValDice, ValIoU    float64 // foreground class, hard (argmax)
}

// Outcome is what training with one loss gave.
type Outcome struct {
	Name      string
	Curve     []Epoch
	BestEpoch int
	// Val holds the scores of the best epoch on the validation set (the
	// one early stopping chose it on), Test those of the restored model on
	// the held-out test set; foreground class, hard (argmax).
	Val, Test Scores
	// Model holds the weights of the best epoch (restored).
	Model Model
}

// data holds the features and labels of a split.
type data struct {
	n      int
	feat   []float32
	labels []uint8
}

func split(set []Image, st *standard) (data, standard) {
	f, s := featureSet(set, st)
	d := data{n: len(set), feat: f, labels: make([]uint8, len(set)*pixels)}
	for i, im := range set {
		copy(d.labels[i*pixels:], im.Mask)
	}
	return d, s
}

// makeData draws the training, validation and test sets (in that order,
// from one generator seeded by cfg.Seed) and computes their features,
// standardised with the training set's statistics.
func makeData(cfg Config) (train, val, test data) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5e9))
	trainSet := makeSet(rng, cfg.Train, cfg.Data)
	valSet := makeSet(rng, cfg.Val, cfg.Data)
	testSet := makeSet(rng, cfg.Test, cfg.Data)
	train, st := split(trainSet, nil)
	val, _ = split(valSet, &st)
	test, _ = split(testSet, &st)
	return train, val, test
}

// classWeights returns the chapter's class weights of the training labels,
// inversely proportional to the class frequencies (loss.ClassWeights).
func classWeights(train data) ([]float32, error) {
	w := make([]float32, Classes)
	return w, loss.ClassWeights(loss.U8(train.labels), Classes, loss.IgnoreIndex{}, w)
}

// Scores are the hard scores of the foreground class.
type Scores struct {
	Dice, IoU, Precision, Recall float64
}

// foreground returns the scores of class 1 of the counts.
func foreground(m *metrics.Counts) (Scores, error) {
	r, err := m.Result(metrics.Options{})
	if err != nil {
		return Scores{}, err
	}
	tp, fp, fn := float64(m.TP[1]), float64(m.FP[1]), float64(m.FN[1])
	return Scores{r.Dice[1], r.IoU[1], nanDiv(tp, tp+fp), nanDiv(tp, tp+fn)}, nil
}

// evaluate adds the counts of the model's predictions on d to m (reset
// first) and returns the logits' loss under l (when l is not nil).
func evaluate(model *Model, d data, l *loss.Multiclass, ws *loss.Workspace, logits []float32, m *metrics.Counts) (float64, error) {
	sh := loss.NewShape(d.n, Classes, Side, Side)
	logits = logits[:sh.Len()]
	model.logits(d.feat, d.n, logits)
	var v float64
	if l != nil {
		var err error
		if v, err = l.Forward(ws, logits, loss.U8(d.labels), sh); err != nil {
			return 0, err
		}
	}
	m.Reset()
	return v, m.Add(logits, loss.U8(d.labels), sh)
}

// Run makes the data set, trains one model per loss and returns the
// outcomes, and the Dice of predicting foreground everywhere on the
// validation set (a trivial baseline: random guessing at the foreground
// rate q scores q, less).
func Run(cfg Config) ([]Outcome, float64, error) {
	train, val, test := makeData(cfg)
	w, err := classWeights(train)
	if err != nil {
		return nil, 0, err
	}
	var fg int
	for _, v := range val.labels {
		fg += int(v)
	}
	allFg := metrics.Dice(int64(fg), int64(len(val.labels)-fg), 0, metrics.BothEmptyOne)

	out := make([]Outcome, 0, len(cfg.Specs))
	for _, s := range cfg.Specs {
		o, err := trainOne(cfg, s, train, val, test, w)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", s.Name, err)
		}
		out = append(out, o)
	}
	return out, allFg, nil
}

func trainOne(cfg Config, spec Spec, train, val, test data, classWeights []float32) (Outcome, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xba7c4)) // the same batches for every loss
	var m, best Model
	stop, err := metrics.NewEarlyStopping(metrics.Max, cfg.Patience, cfg.MinDelta)
	if err != nil {
		return Outcome{}, err
	}
	B := cfg.Batch
	feat := make([]float32, B*Features*pixels)
	labels := make([]uint8, B*pixels)
	logits := make([]float32, max(B, val.n, test.n)*Classes*pixels)
	g := make([]float32, B*Classes*pixels)
	var ws loss.Workspace
	o := Outcome{Name: spec.Name}
	counts := metrics.Counts{C: Classes}
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		l := spec.Make(epoch, cfg.Epochs, classWeights)
		lambda := math.NaN()
		if spec.Schedule != nil {
			lambda = spec.Schedule.Lambda(epoch, cfg.Epochs)
		}
		perm := rng.Perm(train.n)
		var trainLoss float64
		steps := 0
		for b := 0; b+B <= train.n; b += B {
			for k, i := range perm[b : b+B] {
				copy(feat[k*Features*pixels:(k+1)*Features*pixels], train.feat[i*Features*pixels:(i+1)*Features*pixels])
				copy(labels[k*pixels:(k+1)*pixels], train.labels[i*pixels:(i+1)*pixels])
			}
			sh := loss.NewShape(B, Classes, Side, Side)
			m.logits(feat, B, logits)
			v, err := l.Backward(&ws, logits[:sh.Len()], loss.U8(labels), sh, g)
			if err != nil {
				return o, err
			}
			var dW [Classes][Features]float64
			m.grad(feat, g, B, &dW)
			for c := range m.W {
				for j := range m.W[c] {
					m.W[c][j] -= cfg.LR * dW[c][j]
				}
			}
			trainLoss += v
			steps++
		}
		trainLoss /= float64(steps)

		// Validation: the same loss, and hard Dice/IoU of the foreground.
		valLoss, err := evaluate(&m, val, l, &ws, logits, &counts)
		if err != nil {
			return o, err
		}
		sc, err := foreground(&counts)
		if err != nil {
			return o, err
		}
		o.Curve = append(o.Curve, Epoch{epoch, lambda, trainLoss, valLoss, sc.Dice, sc.IoU})
		improved, done := stop.Step(sc.Dice)
		if improved {
			best, o.Val = m, sc
		}
		if done {
			break
		}
	}
	// Restore the best epoch's weights and score them on the test set.
	o.BestEpoch, _, _ = stop.Best()
	o.Model = best
	if _, err := evaluate(&o.Model, test, nil, &ws, logits, &counts); err != nil {
		return o, err
	}
	o.Test, err = foreground(&counts)
	return o, err
}

func nanDiv(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
