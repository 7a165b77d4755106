package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segloss/segloss/loss"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// tinyArch is a U-Net small enough for central differences over every
// parameter: 3 levels, 2 channels at the top.
var tinyArch = Arch{Levels: 3, Base: 2, In: 1, Classes: Classes}

func randSlice(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

// perturbedBiases gives the biases nonzero values (NewWeights starts them
// at 0), so that the check covers their gradients away from the start.
func perturbedBiases(w *Weights, r *rand.Rand) {
	for i := 1; i < len(w.Data); i += 2 {
		for j := range w.Data[i] {
			w.Data[i][j] = 0.1 * r.NormFloat64()
		}
	}
}

// TestUp2MatchesUpsample2D checks the example's upsampling, forward and
// backward, against gorgonia's Upsample2D(x, 2).
func TestUp2MatchesUpsample2D(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		grads := [2][]float64{}
		outs := [2][]float64{}
		xv := randSlice(r, 2*3*4*6)
		rv := randSlice(r, 2*3*8*12)
		for k, f := range []func(*G.Node) (*G.Node, error){up2, func(x *G.Node) (*G.Node, error) { return G.Upsample2D(x, 2) }} {
			g := G.NewGraph()
			x := G.NewTensor(g, dt, 4, G.WithShape(2, 3, 4, 6), G.WithValue(tensorOf(dt, xv, 2, 3, 4, 6)), G.WithName("x"))
			rn := G.NewTensor(g, dt, 4, G.WithShape(2, 3, 8, 12), G.WithValue(tensorOf(dt, rv, 2, 3, 8, 12)), G.WithName("r"))
			y, err := f(x)
			if err != nil {
				t.Fatal(err)
			}
			cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, rn))))
			if _, err := G.Grad(cost, x); err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(x))
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			outs[k] = floats(y.Value())
			gv, err := x.Grad()
			if err != nil {
				t.Fatal(err)
			}
			grads[k] = floats(gv)
			vm.Close()
		}
		if d := maxDiff(outs[0], outs[1]); d != 0 {
			t.Errorf("%v: up2 forward differs from Upsample2D by %g", dt, d)
		}
		if d := maxDiff(grads[0], grads[1]); d > 1e-5 {
			t.Errorf("%v: up2 gradient differs from Upsample2D's by %g", dt, d)
		}
	}
}

func tensorOf(dt tensor.Dtype, v []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
}

func floats(v G.Value) []float64 {
	switch d := v.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	case float32:
		return []float64{float64(d)}
	case float64:
		return []float64{d}
	}
	return nil
}

func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func maxAbs(a []float64) float64 {
	var m float64
	for _, v := range a {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// probe is a U-Net graph whose cost is an in-graph scalar of the logits,
// with a machine that computes the cost and the parameter gradients.
type probe struct {
	net  *Net
	cost *G.Node
	vm   G.VM
}

// newProbe builds the net of w in dtype dt on the input x (n images of
// side x side) with cost = sum(logits ⊙ r).
func newProbe(t *testing.T, w *Weights, dt tensor.Dtype, x []float64, n, side int, r []float64) *probe {
	t.Helper()
	g := G.NewGraph()
	net, err := Build(g, w, dt, n, side, side)
	if err != nil {
		t.Fatal(err)
	}
	if err := G.Let(net.X, tensorOf(dt, x, n, 1, side, side)); err != nil {
		t.Fatal(err)
	}
	rn := G.NewTensor(g, dt, 4, G.WithShape(n, Classes, side, side), G.WithValue(tensorOf(dt, r, n, Classes, side, side)), G.WithName("r"))
	cost := G.Must(G.Sum(G.Must(G.HadamardProd(net.Logits, rn))))
	if _, err := G.Grad(cost, net.Params...); err != nil {
		t.Fatal(err)
	}
	return &probe{net: net, cost: cost, vm: G.NewTapeMachine(g, G.BindDualValues(net.Params...))}
}

func (p *probe) run(t *testing.T) float64 {
	t.Helper()
	if err := p.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	v := floats(p.cost.Value())[0]
	p.vm.Reset()
	return v
}

func paramGrads(t *testing.T, params G.Nodes) [][]float64 {
	t.Helper()
	var out [][]float64
	for _, p := range params {
		g, err := p.Grad()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, floats(g))
	}
	return out
}

// TestNetworkGradient checks the gradient of every parameter of a tiny
// U-Net (every layer kind: convolutions, bias broadcasts, ReLU, max-pool,
// upsampling, concatenation, the head), in float64, against central
// differences of the network's own forward pass on a 1x1x8x8 input.
func TestNetworkGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const n, side = 1, 8
	w := NewWeights(tinyArch, 3)
	perturbedBiases(w, r)
	x := randSlice(r, n*side*side)
	rv := randSlice(r, n*Classes*side*side)
	p := newProbe(t, w, tensor.Float64, x, n, side, rv)
	if err := p.vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := paramGrads(t, p.net.Params)
	p.vm.Reset()
	const eps = 1e-6
	var worst float64
	checked := 0
	for i := range w.Data {
		for j := range w.Data[i] {
			v := w.Data[i][j]
			w.Data[i][j] = v + eps
			p.net.Load(w)
			up := p.run(t)
			w.Data[i][j] = v - eps
			p.net.Load(w)
			down := p.run(t)
			w.Data[i][j] = v
			fd := (up - down) / (2 * eps)
			err := math.Abs(fd-got[i][j]) / math.Max(1, math.Abs(fd))
			worst = math.Max(worst, err)
			checked++
			if err > 1e-6 {
				t.Errorf("parameter %d[%d]: gradient %.9g, central difference %.9g", i, j, got[i][j], fd)
			}
		}
	}
	t.Logf("%d parameters, largest relative error %.2g", checked, worst)
}

// TestNetworkGradientFloat32 runs the same check on the float32 network
// the training uses, with segloss's CE + Dice entering through the loss
// node (the training's route): every parameter gradient against central
// differences of the float32 forward pass and segloss's Forward, with
// tolerances for float32.
func TestNetworkGradientFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const n, side = 2, 8
	w := NewWeights(tinyArch, 5)
	perturbedBiases(w, r)
	x := randSlice(r, n*side*side)
	labels := make([]uint8, n*side*side)
	for i := range labels {
		labels[i] = uint8(r.IntN(Classes))
	}
	m := loss.CombinedLoss(0.5, 0.5)
	var ws loss.Workspace
	sh := loss.NewShape(n, Classes, side, side)
	g := G.NewGraph()
	net, err := Build(g, w, tensor.Float32, n, side, side)
	if err != nil {
		t.Fatal(err)
	}
	cost, op, err := lossNode(net.Logits, func(lg, grad []float32) (float64, error) {
		return m.Backward(&ws, lg, loss.U8(labels), sh, grad)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(cost, net.Params...); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.BindDualValues(net.Params...))
	if err := G.Let(net.X, tensorOf(tensor.Float32, x, n, 1, side, side)); err != nil {
		t.Fatal(err)
	}
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	got := paramGrads(t, net.Params)
	vm.Reset()
	value := func() float64 {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		v := op.Value
		vm.Reset()
		return v
	}
	// Every bias and every fifth filter weight; a few central differences
	// straddle a ReLU kink (or an argmax of the max-pool) and disagree: at
	// most 1% may.
	const eps = 1e-3
	var worst float64
	checked, off := 0, 0
	for i := range w.Data {
		for j := range w.Data[i] {
			if i%2 == 0 && j%5 != 0 {
				continue
			}
			v := w.Data[i][j]
			up32, down32 := float32(v+eps), float32(v-eps)
			w.Data[i][j] = float64(up32)
			net.Load(w)
			up := value()
			w.Data[i][j] = float64(down32)
			net.Load(w)
			down := value()
			w.Data[i][j] = v
			fd := (up - down) / float64(up32-down32)
			err := math.Abs(fd - got[i][j])
			checked++
			if err > 2e-4+1e-2*math.Abs(fd) {
				off++
				t.Logf("parameter %d[%d]: gradient %.6g, central difference %.6g", i, j, got[i][j], fd)
				continue
			}
			worst = math.Max(worst, err)
		}
	}
	if off > checked/100 {
		t.Errorf("%d of %d parameters off", off, checked)
	}
	net.Load(w)
	if op.Calls == 0 {
		t.Fatal("the loss node never ran")
	}
	t.Logf("%d parameters, %d off (kinks), largest absolute error of the others %.2g", checked, off, worst)
}

// TestSeglossGradientMatchesInGraphCE trains one step's worth of gradient
// three ways on the same weights and batch and compares the parameter
// gradients: (a) segloss's CrossEntropy through the loss node (what the
// training does), (b) segloss's gradient fed to gorgonia's Backpropagate as
// the logits' output gradient, (c) gorgonia's own gradient of a cross
// entropy written in the graph (log-sum-exp over the class axis minus the
// true class's logit, mean over pixels).
func TestSeglossGradientMatchesInGraphCE(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	const n, side = 2, 16
	arch := Arch{Levels: 3, Base: 4, In: 1, Classes: Classes}
	w := NewWeights(arch, 7)
	perturbedBiases(w, r)
	x := tensorOf(tensor.Float32, randSlice(r, n*side*side), n, 1, side, side)
	labels := make([]uint8, n*side*side)
	onehot := make([]float32, n*Classes*side*side)
	s := side * side
	for k := 0; k < n; k++ {
		for i := 0; i < s; i++ {
			y := uint8(r.IntN(Classes))
			labels[k*s+i] = y
			onehot[(k*Classes+int(y))*s+i] = 1
		}
	}
	ce := single(&loss.CrossEntropy{})
	var ws loss.Workspace
	sh := loss.NewShape(n, Classes, side, side)

	// (a) the loss node.
	ga := G.NewGraph()
	na, err := Build(ga, w, tensor.Float32, n, side, side)
	if err != nil {
		t.Fatal(err)
	}
	ca, _, err := lossNode(na.Logits, func(lg, grad []float32) (float64, error) {
		return ce.Backward(&ws, lg, loss.U8(labels), sh, grad)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(ca, na.Params...); err != nil {
		t.Fatal(err)
	}
	vma := G.NewTapeMachine(ga, G.BindDualValues(na.Params...))
	G.Let(na.X, x)
	if err := vma.RunAll(); err != nil {
		t.Fatal(err)
	}
	a := paramGrads(t, na.Params)

	// (b) Backpropagate with segloss's gradient as the logits' gradient:
	// a first run gives the logits, segloss their gradient, a second run
	// the parameter gradients.
	gb := G.NewGraph()
	nb, err := Build(gb, w, tensor.Float32, n, side, side)
	if err != nil {
		t.Fatal(err)
	}
	dl := G.NewTensor(gb, tensor.Float32, 4, G.WithShape(n, Classes, side, side), G.WithName("dlogits"))
	G.Let(dl, tensor.New(tensor.WithShape(n, Classes, side, side), tensor.Of(tensor.Float32)))
	gradNodes, err := G.Backpropagate(G.Nodes{nb.Logits}, G.Nodes{dl}, nb.Params)
	if err != nil {
		t.Fatal(err)
	}
	vmb := G.NewTapeMachine(gb)
	G.Let(nb.X, x)
	if err := vmb.RunAll(); err != nil {
		t.Fatal(err)
	}
	grad := make([]float32, sh.Len())
	if _, err := ce.Backward(&ws, nb.Logits.Value().Data().([]float32), loss.U8(labels), sh, grad); err != nil {
		t.Fatal(err)
	}
	vmb.Reset()
	G.Let(dl, tensor.New(tensor.WithShape(n, Classes, side, side), tensor.WithBacking(grad)))
	if err := vmb.RunAll(); err != nil {
		t.Fatal(err)
	}
	var b [][]float64
	for _, gn := range gradNodes {
		b = append(b, floats(gn.Value()))
	}

	// (c) gorgonia's in-graph cross entropy.
	gc := G.NewGraph()
	nc, err := Build(gc, w, tensor.Float32, n, side, side)
	if err != nil {
		t.Fatal(err)
	}
	oh := G.NewTensor(gc, tensor.Float32, 4, G.WithShape(n, Classes, side, side),
		G.WithValue(tensor.New(tensor.WithShape(n, Classes, side, side), tensor.WithBacking(onehot))), G.WithName("onehot"))
	lse := G.Must(G.Log(G.Must(G.Sum(G.Must(G.Exp(nc.Logits)), 1))))
	picked := G.Must(G.Sum(G.Must(G.HadamardProd(oh, nc.Logits))))
	cost := G.Must(G.Div(G.Must(G.Sub(G.Must(G.Sum(lse)), picked)), G.NewConstant(float32(n*s))))
	if _, err := G.Grad(cost, nc.Params...); err != nil {
		t.Fatal(err)
	}
	vmc := G.NewTapeMachine(gc, G.BindDualValues(nc.Params...))
	G.Let(nc.X, x)
	if err := vmc.RunAll(); err != nil {
		t.Fatal(err)
	}
	c := paramGrads(t, nc.Params)

	var scale, dab, dac float64
	for i := range c {
		scale = math.Max(scale, maxAbs(c[i]))
		dab = math.Max(dab, maxDiff(a[i], b[i]))
		dac = math.Max(dac, maxDiff(a[i], c[i]))
	}
	t.Logf("largest gradient %.3g; loss node vs Backpropagate %.2g, loss node vs in-graph CE %.2g", scale, dab, dac)
	if scale == 0 {
		t.Fatal("zero gradients")
	}
	if dab > 1e-6*scale {
		t.Errorf("loss node and Backpropagate differ by %g (largest gradient %g)", dab, scale)
	}
	if dac > 1e-4*scale {
		t.Errorf("segloss's CE gradient and gorgonia's in-graph CE gradient differ by %g (largest gradient %g)", dac, scale)
	}
}

// refPixelWeightedCE is U-Net's border-weighted cross entropy (Ronneberger
// et al. 2015, eq. 1 with the weight map of eq. 2) in plain float64 Go:
//
//	L = sum_i w_i * -log p_{i,y_i} / sum_i w_i
//
// and its gradient w_i * (p_{i,c} - [c = y_i]) / sum_i w_i. The example
// computed it with this function before segloss had per-pixel weights; the
// test holds the library's loss (CrossEntropy WeightMean through
// Multiclass.BackwardWeighted) to it.
func refPixelWeightedCE(logits []float32, labels []uint8, w []float32, n, c, s int, grad []float32) (float64, error) {
	if len(logits) != n*c*s || len(labels) != n*s || len(w) != n*s || (grad != nil && len(grad) != n*c*s) {
		return 0, fmt.Errorf("refPixelWeightedCE: lengths %d, %d, %d for %dx%dx%d", len(logits), len(labels), len(w), n, c, s)
	}
	var wsum float64
	for _, v := range w {
		if !(v >= 0) || math.IsInf(float64(v), 0) {
			return 0, fmt.Errorf("refPixelWeightedCE: weight %v", v)
		}
		wsum += float64(v)
	}
	if wsum == 0 {
		if grad != nil {
			clear(grad)
		}
		return 0, nil
	}
	var total float64
	p := make([]float64, c)
	for k := 0; k < n; k++ {
		x := logits[k*c*s : (k+1)*c*s]
		for i := 0; i < s; i++ {
			y := int(labels[k*s+i])
			if y >= c {
				return 0, fmt.Errorf("refPixelWeightedCE: label %d of %d classes", y, c)
			}
			m := math.Inf(-1)
			for j := 0; j < c; j++ {
				m = math.Max(m, float64(x[j*s+i]))
			}
			var z float64
			for j := 0; j < c; j++ {
				p[j] = math.Exp(float64(x[j*s+i]) - m)
				z += p[j]
			}
			wi := float64(w[k*s+i])
			total += wi * (math.Log(z) + m - float64(x[y*s+i]))
			if grad == nil {
				continue
			}
			g := grad[k*c*s : (k+1)*c*s]
			for j := 0; j < c; j++ {
				d := p[j] / z
				if j == y {
					d--
				}
				g[j*s+i] = float32(wi * d / wsum)
			}
		}
	}
	return total / wsum, nil
}

// TestPixelWeightedCE checks the border-weighted CE the example trains with
// (segloss's CrossEntropy, WeightMean, BackwardWeighted) against the
// float64 reference and the reference against central differences.
func TestPixelWeightedCE(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	const n, c, s = 3, Classes, 50
	logits := make([]float32, n*c*s)
	for i := range logits {
		logits[i] = float32(2 * r.NormFloat64())
	}
	labels := make([]uint8, n*s)
	w := make([]float32, n*s)
	for i := range labels {
		labels[i] = uint8(r.IntN(c))
		w[i] = float32(0.5 + 10*r.Float64()*r.Float64())
	}
	grad := make([]float32, len(logits))
	v, err := refPixelWeightedCE(logits, labels, w, n, c, s, grad)
	if err != nil {
		t.Fatal(err)
	}
	const eps = 1e-3
	for i := range logits {
		x := logits[i]
		up, down := x+eps, x-eps
		logits[i] = up
		vu, _ := refPixelWeightedCE(logits, labels, w, n, c, s, nil)
		logits[i] = down
		vd, _ := refPixelWeightedCE(logits, labels, w, n, c, s, nil)
		logits[i] = x
		fd := (vu - vd) / float64(up-down)
		if math.Abs(fd-float64(grad[i])) > 1e-6+1e-4*math.Abs(fd) {
			t.Errorf("logit %d: gradient %g, central difference %g", i, grad[i], fd)
		}
	}
	var ws loss.Workspace
	defer ws.Close()
	got := make([]float32, len(logits))
	gv, err := single(&loss.CrossEntropy{Reduction: loss.WeightMean}).BackwardWeighted(&ws, logits, loss.U8(labels), w, loss.NewShape(n, c, s), got)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(v-gv) > 1e-6*math.Abs(v) {
		t.Errorf("segloss %g, reference %g", gv, v)
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - grad[i])); d > 1e-6 {
			t.Fatalf("gradient %d: segloss %g, reference %g", i, got[i], grad[i])
		}
	}
}
