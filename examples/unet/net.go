package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Arch is the shape of a U-Net: Levels resolutions (Levels-1 max-pools
// down, as many nearest-neighbour 2x upsamplings up), two 3x3 convolutions
// with ReLU per level on each side, the number of channels Base at the top
// level and doubling at each level down, skip concatenations, and a 1x1
// head to Classes logits. Convolutions are padded ("same"), so the logits
// have the input's height and width (a multiple of 2^(Levels-1)).
type Arch struct {
	Levels, Base, In, Classes int
}

// Weights are the parameters of a U-Net as plain float64 slices, in the
// order Build creates them: for each 3x3 convolution its filter (out, in,
// 3, 3) and bias (out), the head's filter (Classes, Base, 1, 1) and bias.
type Weights struct {
	Arch   Arch
	Shapes [][]int
	Data   [][]float64
}

// convShapes lists the (out, in, k) of every convolution of a, in the
// order of Build.
func (a Arch) convShapes() [][3]int {
	var s [][3]int
	in := a.In
	for l := 0; l < a.Levels; l++ { // down, and the bottom level
		w := a.Base << l
		s = append(s, [3]int{w, in, 3}, [3]int{w, w, 3})
		in = w
	}
	for l := a.Levels - 2; l >= 0; l-- { // up: upsampled in + skip (Base<<l)
		w := a.Base << l
		s = append(s, [3]int{w, in + w, 3}, [3]int{w, w, 3})
		in = w
	}
	return append(s, [3]int{a.Classes, in, 1})
}

// NewWeights draws He-normal filters (std sqrt(2/fan_in)) and zero biases
// from a generator seeded with seed.
func NewWeights(a Arch, seed uint64) *Weights {
	r := rand.New(rand.NewPCG(seed, 0x5e9105))
	w := &Weights{Arch: a}
	for _, c := range a.convShapes() {
		out, in, k := c[0], c[1], c[2]
		f := make([]float64, out*in*k*k)
		std := math.Sqrt(2 / float64(in*k*k))
		for i := range f {
			f[i] = std * r.NormFloat64()
		}
		w.Shapes = append(w.Shapes, []int{out, in, k, k}, []int{1, out, 1, 1})
		w.Data = append(w.Data, f, make([]float64, out))
	}
	return w
}

// Count returns the number of parameters.
func (w *Weights) Count() int {
	n := 0
	for _, d := range w.Data {
		n += len(d)
	}
	return n
}

// Net is a U-Net built in a gorgonia graph: its parameter nodes and its
// logits node.
type Net struct {
	Arch   Arch
	Params G.Nodes
	X      *G.Node // input, N x In x H x W
	Logits *G.Node // N x Classes x H x W
}

// Build adds a U-Net of weights w to g for inputs of n images of h x w
// pixels, in the dtype dt (tensor.Float32 for training, Float64 for the
// precise gradient check). The parameter nodes hold copies of w.
func Build(g *G.ExprGraph, wts *Weights, dt tensor.Dtype, n, h, w int) (*Net, error) {
	a := wts.Arch
	if m := 1 << (a.Levels - 1); h%m != 0 || w%m != 0 {
		return nil, fmt.Errorf("unet: %dx%d is not a multiple of %d", h, w, m)
	}
	net := &Net{Arch: a}
	for i, d := range wts.Data {
		v := tensor.New(tensor.WithShape(wts.Shapes[i]...), tensor.Of(dt))
		switch dt {
		case tensor.Float32:
			b := v.Data().([]float32)
			for j, x := range d {
				b[j] = float32(x)
			}
		case tensor.Float64:
			copy(v.Data().([]float64), d)
		default:
			return nil, fmt.Errorf("unet: dtype %v", dt)
		}
		net.Params = append(net.Params, G.NewTensor(g, dt, 4, G.WithShape(wts.Shapes[i]...), G.WithValue(v), G.WithName(fmt.Sprintf("p%d", i))))
	}
	net.X = G.NewTensor(g, dt, 4, G.WithShape(n, a.In, h, w), G.WithName("x"))

	p := 0
	conv := func(x *G.Node, relu bool) (*G.Node, error) {
		f, b := net.Params[p], net.Params[p+1]
		p += 2
		k := f.Shape()[2]
		y, err := G.Conv2d(x, f, tensor.Shape{k, k}, []int{k / 2, k / 2}, []int{1, 1}, []int{1, 1})
		if err != nil {
			return nil, err
		}
		if y, err = G.BroadcastAdd(y, b, nil, []byte{0, 2, 3}); err != nil {
			return nil, err
		}
		if relu {
			return G.Rectify(y)
		}
		return y, nil
	}
	block := func(x *G.Node) (*G.Node, error) {
		y, err := conv(x, true)
		if err != nil {
			return nil, err
		}
		return conv(y, true)
	}

	x := net.X
	var skips []*G.Node
	var err error
	for l := 0; l < a.Levels; l++ {
		if l > 0 {
			if x, err = G.MaxPool2D(x, tensor.Shape{2, 2}, []int{0, 0}, []int{2, 2}); err != nil {
				return nil, err
			}
		}
		if x, err = block(x); err != nil {
			return nil, err
		}
		skips = append(skips, x)
	}
	for l := a.Levels - 2; l >= 0; l-- {
		if x, err = up2(x); err != nil {
			return nil, err
		}
		if x, err = G.Concat(1, x, skips[l]); err != nil {
			return nil, err
		}
		if x, err = block(x); err != nil {
			return nil, err
		}
	}
	if net.Logits, err = conv(x, false); err != nil {
		return nil, err
	}
	return net, nil
}

// Values copies the parameter values of the net into w.
func (n *Net) Values(w *Weights) {
	for i, p := range n.Params {
		switch d := p.Value().Data().(type) {
		case []float32:
			for j, v := range d {
				w.Data[i][j] = float64(v)
			}
		case []float64:
			copy(w.Data[i], d)
		}
	}
}

// Load copies w into the parameter values of the net.
func (n *Net) Load(w *Weights) {
	for i, p := range n.Params {
		switch d := p.Value().Data().(type) {
		case []float32:
			for j, v := range w.Data[i] {
				d[j] = float32(v)
			}
		case []float64:
			copy(d, w.Data[i])
		}
	}
}

// Clone returns a deep copy of w.
func (w *Weights) Clone() *Weights {
	c := &Weights{Arch: w.Arch, Shapes: w.Shapes}
	for _, d := range w.Data {
		c.Data = append(c.Data, append([]float64(nil), d...))
	}
	return c
}
