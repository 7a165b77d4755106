package main

// Two gorgonia operations of this example's own:
//
//   - lossOp, the bridge from segloss to gorgonia: a scalar node whose
//     forward pass calls an external loss (segloss, or the example's
//     border-weighted cross entropy) on the logits, which returns the value
//     and d(loss)/d(logits) at once; its derivative is that kept gradient
//     times the upstream scalar. The network's forward pass runs once per
//     step (feeding the gradient with Backpropagate instead needs the
//     logits before the gradient's input node can be set, so the forward
//     pass runs twice; TestSeglossGradientMatchesInGraphCE checks that both
//     give the same gradients).
//   - up2Op, a nearest-neighbour 2x upsampling of NCHW tensors, the same
//     function as gorgonia's Upsample2D(x, 2) with plain slice loops (the
//     built-in one reads and writes every element through At and SetAt).

import (
	"fmt"
	"hash"
	"hash/fnv"
	"time"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LossFunc computes a loss of float32 NCHW logits and writes its gradient
// d(loss)/d(logits) into grad (every element), returning the value.
type LossFunc func(logits, grad []float32) (float64, error)

// lossOp is a scalar node of float32 logits: Do calls Fn and keeps the
// gradient for the derivative node (lossGradOp), which runs later in the
// same tape.
type lossOp struct {
	Fn    LossFunc
	shape tensor.Shape
	grad  []float32
	// Value is the loss of the last Do; Elapsed accumulates the time spent
	// in Fn (the loss's share of a step).
	Value   float64
	Elapsed time.Duration
	Calls   int
}

// lossNode applies a lossOp to the logits node.
func lossNode(logits *G.Node, fn LossFunc) (*G.Node, *lossOp, error) {
	if logits.Dtype() != tensor.Float32 {
		return nil, nil, fmt.Errorf("lossNode: logits are %v, want float32", logits.Dtype())
	}
	op := &lossOp{Fn: fn, shape: logits.Shape().Clone()}
	op.grad = make([]float32, op.shape.TotalSize())
	n, err := G.ApplyOp(op, logits)
	return n, op, err
}

func (op *lossOp) Arity() int { return 1 }
func (op *lossOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: op.shape.Dims(), Of: a}, a)
}
func (op *lossOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }
func (op *lossOp) ReturnsPtr() bool                               { return false }
func (op *lossOp) CallsExtern() bool                              { return false }
func (op *lossOp) OverwritesInput() int                           { return -1 }
func (op *lossOp) WriteHash(h hash.Hash)                          { fmt.Fprintf(h, "segloss%p", op) }
func (op *lossOp) Hashcode() uint32                               { return hashOf(op) }
func (op *lossOp) String() string                                 { return "externalLoss" }
func (op *lossOp) DiffWRT(int) []bool                             { return []bool{true} }

func (op *lossOp) Do(vals ...G.Value) (G.Value, error) {
	x, ok := vals[0].Data().([]float32)
	if !ok || len(x) != len(op.grad) {
		return nil, fmt.Errorf("externalLoss: want %d float32 logits, got %T", len(op.grad), vals[0].Data())
	}
	t0 := time.Now()
	v, err := op.Fn(x, op.grad)
	op.Elapsed += time.Since(t0)
	op.Calls++
	if err != nil {
		return nil, err
	}
	op.Value = v
	return G.NewF32(float32(v)), nil
}

func (op *lossOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(&lossGradOp{op}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}

// lossGradOp is d(loss)/d(logits) times the upstream scalar gradient: the
// gradient that lossOp.Do kept (its first input, the logits, only orders it
// after the forward pass).
type lossGradOp struct{ of *lossOp }

func (op *lossGradOp) Arity() int { return 2 }
func (op *lossGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: op.of.shape.Dims(), Of: a}
	return hm.NewFnType(t, a, t)
}
func (op *lossGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.of.shape.Clone(), nil
}
func (op *lossGradOp) ReturnsPtr() bool      { return false }
func (op *lossGradOp) CallsExtern() bool     { return false }
func (op *lossGradOp) OverwritesInput() int  { return -1 }
func (op *lossGradOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "seglossGrad%p", op.of) }
func (op *lossGradOp) Hashcode() uint32      { return hashOf(op) }
func (op *lossGradOp) String() string        { return "externalLossGrad" }

func (op *lossGradOp) Do(vals ...G.Value) (G.Value, error) {
	var s float32
	switch v := vals[1].(type) {
	case *G.F32:
		s = float32(*v)
	default:
		d, ok := vals[1].Data().(float32)
		if !ok {
			return nil, fmt.Errorf("externalLossGrad: upstream gradient is %T", vals[1])
		}
		s = d
	}
	out := make([]float32, len(op.of.grad))
	for i, g := range op.of.grad {
		out[i] = g * s
	}
	return tensor.New(tensor.WithShape(op.of.shape.Clone()...), tensor.WithBacking(out)), nil
}

// up2Op is nearest-neighbour upsampling by 2 of a 4-D NCHW tensor (float32
// or float64).
type up2Op struct{}

// up2 returns x upsampled by 2 in H and W.
func up2(x *G.Node) (*G.Node, error) { return G.ApplyOp(up2Op{}, x) }

func (up2Op) Arity() int { return 1 }
func (up2Op) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}
func (up2Op) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 4 {
		return nil, fmt.Errorf("up2: want a 4-D shape, got %v", in[0])
	}
	return tensor.Shape{s[0], s[1], 2 * s[2], 2 * s[3]}, nil
}
func (up2Op) ReturnsPtr() bool      { return false }
func (up2Op) CallsExtern() bool     { return false }
func (up2Op) OverwritesInput() int  { return -1 }
func (up2Op) WriteHash(h hash.Hash) { fmt.Fprint(h, "up2") }
func (up2Op) Hashcode() uint32      { return hashOf(up2Op{}) }
func (up2Op) String() string        { return "up2" }
func (up2Op) DiffWRT(int) []bool    { return []bool{true} }

func (up2Op) Do(vals ...G.Value) (G.Value, error) {
	t, ok := vals[0].(tensor.Tensor)
	if !ok || t.Shape().Dims() != 4 {
		return nil, fmt.Errorf("up2: want a 4-D tensor, got %v", vals[0])
	}
	s := t.Shape()
	planes, h, w := s[0]*s[1], s[2], s[3]
	out := tensor.Shape{s[0], s[1], 2 * h, 2 * w}
	switch x := t.Data().(type) {
	case []float32:
		y := make([]float32, 4*len(x))
		upsample(y, x, planes, h, w)
		return tensor.New(tensor.WithShape(out...), tensor.WithBacking(y)), nil
	case []float64:
		y := make([]float64, 4*len(x))
		upsample(y, x, planes, h, w)
		return tensor.New(tensor.WithShape(out...), tensor.WithBacking(y)), nil
	}
	return nil, fmt.Errorf("up2: unsupported data %T", t.Data())
}

func (up2Op) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(up2GradOp{}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{d}, nil
}

// up2GradOp sums each 2x2 block of the upstream gradient.
type up2GradOp struct{}

func (up2GradOp) Arity() int    { return 1 }
func (up2GradOp) Type() hm.Type { return up2Op{}.Type() }
func (up2GradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || len(s) != 4 || s[2]%2 != 0 || s[3]%2 != 0 {
		return nil, fmt.Errorf("up2 gradient: want a 4-D shape of even H and W, got %v", in[0])
	}
	return tensor.Shape{s[0], s[1], s[2] / 2, s[3] / 2}, nil
}
func (up2GradOp) ReturnsPtr() bool      { return false }
func (up2GradOp) CallsExtern() bool     { return false }
func (up2GradOp) OverwritesInput() int  { return -1 }
func (up2GradOp) WriteHash(h hash.Hash) { fmt.Fprint(h, "up2grad") }
func (up2GradOp) Hashcode() uint32      { return hashOf(up2GradOp{}) }
func (up2GradOp) String() string        { return "up2grad" }

func (up2GradOp) Do(vals ...G.Value) (G.Value, error) {
	t, ok := vals[0].(tensor.Tensor)
	if !ok || t.Shape().Dims() != 4 {
		return nil, fmt.Errorf("up2 gradient: want a 4-D tensor, got %v", vals[0])
	}
	s := t.Shape()
	planes, h, w := s[0]*s[1], s[2]/2, s[3]/2
	out := tensor.Shape{s[0], s[1], h, w}
	switch g := t.Data().(type) {
	case []float32:
		d := make([]float32, len(g)/4)
		downsum(d, g, planes, h, w)
		return tensor.New(tensor.WithShape(out...), tensor.WithBacking(d)), nil
	case []float64:
		d := make([]float64, len(g)/4)
		downsum(d, g, planes, h, w)
		return tensor.New(tensor.WithShape(out...), tensor.WithBacking(d)), nil
	}
	return nil, fmt.Errorf("up2 gradient: unsupported data %T", t.Data())
}

// upsample writes into y (planes x 2h x 2w) each element of x (planes x h
// x w) four times.
func upsample[T float32 | float64](y, x []T, planes, h, w int) {
	for p := 0; p < planes; p++ {
		src := x[p*h*w : (p+1)*h*w]
		dst := y[p*4*h*w : (p+1)*4*h*w]
		for i := 0; i < h; i++ {
			row := src[i*w : (i+1)*w]
			r0 := dst[(2*i)*2*w : (2*i+1)*2*w]
			for j, v := range row {
				r0[2*j], r0[2*j+1] = v, v
			}
			copy(dst[(2*i+1)*2*w:(2*i+2)*2*w], r0)
		}
	}
}

// downsum writes into d (planes x h x w) the sums of the 2x2 blocks of g
// (planes x 2h x 2w).
func downsum[T float32 | float64](d, g []T, planes, h, w int) {
	for p := 0; p < planes; p++ {
		src := g[p*4*h*w : (p+1)*4*h*w]
		dst := d[p*h*w : (p+1)*h*w]
		for i := 0; i < h; i++ {
			r0 := src[(2*i)*2*w : (2*i+1)*2*w]
			r1 := src[(2*i+1)*2*w : (2*i+2)*2*w]
			out := dst[i*w : (i+1)*w]
			for j := range out {
				out[j] = r0[2*j] + r0[2*j+1] + r1[2*j] + r1[2*j+1]
			}
		}
	}
}

func hashOf(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
