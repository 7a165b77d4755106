package main

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/segloss/segloss/loss"
	"github.com/segloss/segloss/metrics"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Classes: background (0) and cell (1), softmax over both.
const Classes = 2

// Batch is a group of images with everything a loss may read: labels,
// border weight maps and signed distance maps (computed once per image
// when the data set is made, cut out of the full image when cropping).
type Batch struct {
	N, Side int
	X       []float32 // N x 1 x Side x Side
	Labels  []uint8   // N x Side x Side
	Weights []float32 // N x Side x Side
	Phi     []float32 // N x 2 x Side x Side
}

func newBatch(n, side int) *Batch {
	s := side * side
	return &Batch{N: n, Side: side, X: make([]float32, n*s), Labels: make([]uint8, n*s),
		Weights: make([]float32, n*s), Phi: make([]float32, n*Classes*s)}
}

// put copies sample x into slot k of the batch.
func (b *Batch) put(k int, x *Sample) {
	s := b.Side * b.Side
	copy(b.X[k*s:], x.Image)
	copy(b.Labels[k*s:], x.Label)
	copy(b.Weights[k*s:], x.Weights)
	copy(b.Phi[k*Classes*s:], x.Phi)
}

func (b *Batch) shape() loss.Shape { return loss.NewShape(b.N, Classes, b.Side, b.Side) }

// Ctx is what the losses share during a run: segloss's workspace, the
// class weights of the training set, and the time spent in segloss.
type Ctx struct {
	WS           loss.Workspace
	ClassWeights []float32
	Segloss      time.Duration
}

// Spec is one loss to train with.
type Spec struct {
	Name string
	// Loss writes the gradient of the loss of epoch t (of at most T) on
	// batch b into grad and returns its value.
	Loss func(c *Ctx, t, T int, b *Batch, logits, grad []float32) (float64, error)
	// Weight is the scheduled weight of the loss (the mix's CE weight, the
	// boundary term's weight), nil for a fixed loss.
	Weight func(t, T int) float64
}

// seglossSpec is a Spec of a segloss Multiclass (made per epoch).
func seglossSpec(name string, make func(t, T int, cw []float32) *loss.Multiclass, weight func(t, T int) float64) Spec {
	return Spec{Name: name, Weight: weight, Loss: func(c *Ctx, t, T int, b *Batch, logits, grad []float32) (float64, error) {
		m := make(t, T, c.ClassWeights)
		t0 := time.Now()
		v, err := m.Backward(&c.WS, logits, loss.U8(b.Labels), b.shape(), grad)
		c.Segloss += time.Since(t0)
		return v, err
	}}
}

func single(t loss.Term) *loss.Multiclass {
	return &loss.Multiclass{Terms: []loss.Weighted{{Weight: 1, Term: t}}}
}

// boundaryWeight is the boundary term's weight at epoch t of T: ramped
// linearly from 0.01 to 1 over the epochs (Kervadec et al. raise it by
// 0.01 an epoch; these runs are shorter).
func boundaryWeight(t, T int) float64 {
	return math.Max(0.01, 1-loss.Linear{}.Lambda(t, T))
}

// CEDice is the chapter's alpha*CE + beta*Dice (loss.CombinedLoss).
func CEDice(name string, alpha, beta float64) Spec {
	return seglossSpec(name, func(int, int, []float32) *loss.Multiclass { return loss.CombinedLoss(alpha, beta) }, nil)
}

// Specs are the losses the example compares.
var Specs = []Spec{
	seglossSpec("CE", func(int, int, []float32) *loss.Multiclass { return single(&loss.CrossEntropy{}) }, nil),
	seglossSpec("weighted CE", func(_, _ int, w []float32) *loss.Multiclass {
		return single(&loss.CrossEntropy{Weight: w, Reduction: loss.PixelMean})
	}, nil),
	// U-Net's loss (Ronneberger et al. 2015, eq. 1 with eq. 2's weight
	// map): sum_i w_i * -log p_{i,y_i} / sum_i w_i.
	{Name: "border-weighted CE", Loss: func(c *Ctx, t, T int, b *Batch, logits, grad []float32) (float64, error) {
		t0 := time.Now()
		defer func() { c.Segloss += time.Since(t0) }()
		ce := single(&loss.CrossEntropy{Reduction: loss.WeightMean})
		return ce.BackwardWeighted(&c.WS, logits, loss.U8(b.Labels), b.Weights, b.shape(), grad)
	}},
	seglossSpec("Dice", func(int, int, []float32) *loss.Multiclass { return single(loss.Dice()) }, nil),
	CEDice("CE + Dice", 0.5, 0.5),
	seglossSpec("focal g=2", func(int, int, []float32) *loss.Multiclass { return single(&loss.Focal{Gamma: 2}) }, nil),
	seglossSpec("Tversky a=0.3 b=0.7", func(int, int, []float32) *loss.Multiclass { return single(loss.Tversky(0.3, 0.7)) }, nil),
	{Name: "Dice + boundary (ramp)", Weight: boundaryWeight, Loss: func(c *Ctx, t, T int, b *Batch, logits, grad []float32) (float64, error) {
		t0 := time.Now()
		defer func() { c.Segloss += time.Since(t0) }()
		sh := b.shape()
		v, err := single(loss.Dice()).Backward(&c.WS, logits, loss.U8(b.Labels), sh, grad)
		if err != nil {
			return 0, err
		}
		w := boundaryWeight(t, T)
		bl, err := (&loss.Boundary{}).Loss(logits, b.Phi, sh, w, grad)
		return v + w*bl, err
	}},
	seglossSpec("mix CE->Dice (linear)", func(t, T int, _ []float32) *loss.Multiclass {
		return loss.Mix(loss.Linear{}, t, T, &loss.CrossEntropy{}, loss.Dice())
	}, loss.Linear{}.Lambda),
}

// Config is one run of the example.
type Config struct {
	Seed             uint64
	Side             int // image height and width
	Train, Val, Test int // images
	Batch            int // images per Adam step
	Epochs           int // at most
	Patience         int // early stopping on validation Dice
	MinDelta         float64
	LR               float64
	Arch             Arch
	Specs            []Spec
	// Grid holds the (alpha, beta) weights of alpha*CE + beta*Dice to
	// search; nil skips the search.
	Grid [][2]float64
	// Jobs is the number of trainings run at once (below 1: one).
	Jobs   int
	OutDir string    // "" writes nothing
	Log    io.Writer // progress, one line per epoch; nil for none
}

// Data is the three splits.
type Data struct{ Train, Val, Test Set }

// makeData draws the splits: training images first, then validation, then
// test, each image a function of (seed, index, side) only.
func makeData(cfg Config) (*Data, error) {
	var d Data
	var err error
	if d.Train, err = makeSet(cfg.Seed, 0, cfg.Train, cfg.Side); err != nil {
		return nil, err
	}
	if d.Val, err = makeSet(cfg.Seed, 100000, cfg.Val, cfg.Side); err != nil {
		return nil, err
	}
	if d.Test, err = makeSet(cfg.Seed, 200000, cfg.Test, cfg.Side); err != nil {
		return nil, err
	}
	return &d, nil
}

// Epoch is one point of a loss's curves.
type Epoch struct {
	Epoch              int
	Weight             float64 // the scheduled weight; NaN for a fixed loss
	TrainLoss, ValLoss float64
	ValDice            float64 // cell class, hard (argmax)
}

// Timing is where a run's training steps spent their time.
type Timing struct {
	Steps   int
	Step    time.Duration // forward + backward + Adam, total
	Segloss time.Duration // inside segloss's calls
}

// Outcome is what training with one loss gave.
type Outcome struct {
	Name      string
	Curve     []Epoch
	BestEpoch int
	Val       float64 // validation Dice of the best epoch
	Test      Scores  // of the restored model on the test set
	Weights   *Weights
	Timing    Timing
	// Pred holds the restored model's argmax predictions of the first
	// test images (for the picture).
	Pred [][]uint8
}

// model is a U-Net in its own graph and tape machine: a training one
// (with the loss node and its gradients) or a forward-only one.
type model struct {
	net  *Net
	vm   G.VM
	loss *lossOp
	n    int
	xt   *tensor.Dense
}

// buildMu serialises graph construction: gorgonia shares constant nodes
// (the 1 that seeds Grad) between graphs and hashes them lazily, and
// numbers the groups of Conv2d with a global counter, both unguarded (the
// race detector finds them when two trainings build at once). Running the
// machines at once is safe.
var buildMu sync.Mutex

func newModel(w *Weights, n, side int, fn LossFunc) (*model, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	g := G.NewGraph()
	net, err := Build(g, w, tensor.Float32, n, side, side)
	if err != nil {
		return nil, err
	}
	m := &model{net: net, n: n}
	m.xt = tensor.New(tensor.WithShape(n, 1, side, side), tensor.Of(tensor.Float32))
	if fn == nil {
		m.vm = G.NewTapeMachine(g)
		return m, nil
	}
	cost, op, err := lossNode(net.Logits, fn)
	if err != nil {
		return nil, err
	}
	if _, err := G.Grad(cost, net.Params...); err != nil {
		return nil, err
	}
	m.loss = op
	m.vm = G.NewTapeMachine(g, G.BindDualValues(net.Params...))
	return m, nil
}

// forward runs the machine on inputs x (n images).
func (m *model) forward(x []float32) error {
	copy(m.xt.Data().([]float32), x)
	if err := G.Let(m.net.X, m.xt); err != nil {
		return err
	}
	err := m.vm.RunAll()
	return err
}

// predict returns the logits of every image of set, n at a time (the last
// group padded with copies of its first image).
func (m *model) predict(set Set) ([]float32, error) {
	side := set[0].Side
	s := side * side
	out := make([]float32, len(set)*Classes*s)
	x := make([]float32, m.n*s)
	for i := 0; i < len(set); i += m.n {
		for k := 0; k < m.n; k++ {
			j := i + k
			if j >= len(set) {
				j = i
			}
			copy(x[k*s:], set[j].Image)
		}
		if err := m.forward(x); err != nil {
			return nil, err
		}
		lg := m.net.Logits.Value().Data().([]float32)
		copy(out[i*Classes*s:], lg[:min(m.n, len(set)-i)*Classes*s])
		m.vm.Reset()
	}
	return out, nil
}

// setBatch returns the whole set as one batch.
func setBatch(set Set) *Batch {
	b := newBatch(len(set), set[0].Side)
	for k, x := range set {
		b.put(k, x)
	}
	return b
}

// foregroundDice is the hard Dice of the cell class of logits against the
// batch's labels.
func foregroundDice(logits []float32, b *Batch) (float64, error) {
	c := metrics.Counts{C: Classes}
	if err := c.Add(logits, loss.U8(b.Labels), b.shape()); err != nil {
		return 0, err
	}
	return metrics.Dice(c.TP[1], c.FP[1], c.FN[1], metrics.BothEmptyOne), nil
}

// Train trains a fresh U-Net (the same initial weights and batch order for
// every spec) with one loss, stopping early on validation Dice, and scores
// the best epoch's model on the test set.
func Train(cfg Config, spec Spec, d *Data, ctx *Ctx, keep int) (*Outcome, error) {
	side := cfg.Side
	cur := newBatch(cfg.Batch, side)
	epoch := 0
	tm, err := newModel(NewWeights(cfg.Arch, cfg.Seed), cfg.Batch, side, func(logits, grad []float32) (float64, error) {
		return spec.Loss(ctx, epoch, cfg.Epochs, cur, logits, grad)
	})
	if err != nil {
		return nil, err
	}
	em, err := newModel(NewWeights(cfg.Arch, cfg.Seed), min(cfg.Val, 8), side, nil)
	if err != nil {
		return nil, err
	}
	solver := G.NewAdamSolver(G.WithLearnRate(cfg.LR))
	es, err := metrics.NewEarlyStopping(metrics.Max, cfg.Patience, cfg.MinDelta)
	if err != nil {
		return nil, err
	}
	order := rand.New(rand.NewPCG(cfg.Seed, 0xba7c4))
	val := setBatch(d.Val)
	valGrad := make([]float32, val.shape().Len())
	wts := NewWeights(cfg.Arch, cfg.Seed)
	out := &Outcome{Name: spec.Name}
	seg0 := ctx.Segloss
	var best *Weights
	for ; epoch < cfg.Epochs; epoch++ {
		perm := order.Perm(len(d.Train))
		var sum float64
		steps := 0
		for i := 0; i+cfg.Batch <= len(perm); i += cfg.Batch {
			for k := 0; k < cfg.Batch; k++ {
				cur.put(k, d.Train[perm[i+k]])
			}
			t0 := time.Now()
			if err := tm.forward(cur.X); err != nil {
				return nil, fmt.Errorf("%s epoch %d: %w", spec.Name, epoch, err)
			}
			if err := solver.Step(G.NodesToValueGrads(tm.net.Params)); err != nil {
				return nil, err
			}
			tm.vm.Reset()
			out.Timing.Step += time.Since(t0)
			out.Timing.Steps++
			sum += tm.loss.Value
			steps++
		}
		tm.net.Values(wts)
		em.net.Load(wts)
		// Validation: the loss of the whole set as one batch, and Dice.
		seg := ctx.Segloss
		lg, err := em.predict(d.Val)
		if err != nil {
			return nil, err
		}
		vl, err := spec.Loss(ctx, epoch, cfg.Epochs, val, lg, valGrad)
		if err != nil {
			return nil, fmt.Errorf("%s validation: %w", spec.Name, err)
		}
		ctx.Segloss = seg // time training steps only
		dice, err := foregroundDice(lg, val)
		if err != nil {
			return nil, err
		}
		e := Epoch{Epoch: epoch, Weight: math.NaN(), TrainLoss: sum / float64(steps), ValLoss: vl, ValDice: dice}
		if spec.Weight != nil {
			e.Weight = spec.Weight(epoch, cfg.Epochs)
		}
		out.Curve = append(out.Curve, e)
		improved, stop := es.Step(dice)
		if improved {
			best = wts.Clone()
		}
		if cfg.Log != nil {
			mark := ""
			if improved {
				mark = " *"
			}
			fmt.Fprintf(cfg.Log, "  %-24s epoch %3d  train %.4f  val %.4f  val Dice %.4f%s\n", spec.Name, epoch, e.TrainLoss, vl, dice, mark)
		}
		if stop {
			break
		}
	}
	out.Timing.Segloss = ctx.Segloss - seg0
	be, score, ok := es.Best()
	if !ok {
		return nil, fmt.Errorf("%s: no epoch had a validation Dice", spec.Name)
	}
	out.BestEpoch, out.Val, out.Weights = be, score, best
	em.net.Load(best)
	lg, err := em.predict(d.Test)
	if err != nil {
		return nil, err
	}
	if out.Test, err = Evaluate(lg, d.Test); err != nil {
		return nil, err
	}
	s := side * side
	for k := 0; k < min(keep, len(d.Test)); k++ {
		out.Pred = append(out.Pred, argmax(lg[k*Classes*s:(k+1)*Classes*s], s))
	}
	return out, nil
}

// argmax returns the predicted class of each pixel of one image's logits
// (Classes planes of s pixels).
func argmax(lg []float32, s int) []uint8 {
	p := make([]uint8, s)
	for i := range p {
		if lg[s+i] > lg[i] {
			p[i] = 1
		}
	}
	return p
}

// GridRow is one point of the CE/Dice weight search.
type GridRow struct {
	Alpha, Beta float64
	Outcome     *Outcome
	// Reused names the comparison's run that is this point (CE is 1*CE +
	// 0*Dice, and so on), "" when the point was trained for the search.
	Reused string
}

// Results is everything a run of the example computed.
type Results struct {
	Data     *Data
	Outcomes []*Outcome
	Grid     []GridRow
	// DataTime is the time to draw the images, MapsTime the part of it
	// spent on the weight maps and signed maps (distance package), once
	// per image.
	DataTime, MapsTime time.Duration
	// Wall is the time of the whole Run.
	Wall time.Duration
	// ClassWeights are the inverse-frequency weights of the training set.
	ClassWeights []float32
}

// reusable maps grid points to the comparison's runs with the same loss.
var reusable = map[[2]float64]string{{1, 0}: "CE", {0.5, 0.5}: "CE + Dice", {0, 1}: "Dice"}

// Keep is the number of test images whose predictions are kept for the
// picture.
const Keep = 2

// Run draws the data and trains with every loss of cfg.Specs and at the
// grid's other points, cfg.Jobs trainings at a time (each in its own graph,
// with its own segloss workspace; the results do not depend on Jobs).
func Run(cfg Config) (*Results, error) {
	t0, m0 := time.Now(), mapsTime
	d, err := makeData(cfg)
	if err != nil {
		return nil, err
	}
	res := &Results{Data: d, DataTime: time.Since(t0), MapsTime: mapsTime - m0}
	cw := make([]float32, Classes)
	all := make([]uint8, 0, len(d.Train)*cfg.Side*cfg.Side)
	for _, x := range d.Train {
		all = append(all, x.Label...)
	}
	if err := loss.ClassWeights(loss.U8(all), Classes, loss.IgnoreIndex{}, cw); err != nil {
		return nil, err
	}
	res.ClassWeights = cw
	// The jobs: every spec, then the grid points no spec is.
	type job struct {
		spec Spec
		keep int
	}
	var jobs []job
	names := map[string]bool{}
	for _, s := range cfg.Specs {
		jobs = append(jobs, job{s, Keep})
		names[s.Name] = true
	}
	res.Grid = make([]GridRow, len(cfg.Grid))
	gridJob := make([]int, len(cfg.Grid))
	for i, g := range cfg.Grid {
		res.Grid[i] = GridRow{Alpha: g[0], Beta: g[1]}
		if name, ok := reusable[g]; ok && names[name] {
			res.Grid[i].Reused = name
			gridJob[i] = -1
			continue
		}
		gridJob[i] = len(jobs)
		jobs = append(jobs, job{CEDice(fmt.Sprintf("%g*CE + %g*Dice", g[0], g[1]), g[0], g[1]), 0})
	}
	outs := make([]*Outcome, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, cfg.Jobs); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ctx := &Ctx{ClassWeights: cw}
				outs[i], errs[i] = Train(cfg, jobs[i].spec, d, ctx, jobs[i].keep)
				ctx.WS.Close()
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	res.Outcomes = outs[:len(cfg.Specs)]
	byName := map[string]*Outcome{}
	for _, o := range res.Outcomes {
		byName[o.Name] = o
	}
	for i := range res.Grid {
		if j := gridJob[i]; j >= 0 {
			res.Grid[i].Outcome = outs[j]
		} else {
			res.Grid[i].Outcome = byName[res.Grid[i].Reused]
		}
	}
	res.Wall = time.Since(t0)
	return res, nil
}

// TotalTiming sums the timing of every run trained (the grid's own points
// included).
func (r *Results) TotalTiming() Timing {
	var t Timing
	add := func(o *Outcome) {
		t.Steps += o.Timing.Steps
		t.Step += o.Timing.Step
		t.Segloss += o.Timing.Segloss
	}
	for _, o := range r.Outcomes {
		add(o)
	}
	for _, g := range r.Grid {
		if g.Reused == "" {
			add(g.Outcome)
		}
	}
	return t
}
