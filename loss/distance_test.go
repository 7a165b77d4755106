package loss

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/segloss/segloss/distance"
)

// distCase is a boundary or hdt case of testdata/distance.json.gz (see
// testdata/distance_golden.py: Kervadec's SurfaceLoss and MONAI's
// HausdorffDTLoss in torch, autograd gradients).
type distCase struct {
	Kind, Name        string
	Shape             []int
	N, Classes        int
	IncludeBackground bool `json:"include_background"`
	Sigmoid, Log      bool
	Alpha             float64
	Logits            []float32
	Labels            []int32
	Targets           []float32
	Phi               []float64
	Loss              float64
	Grad              []float64
}

func loadDistCases(t *testing.T) []distCase {
	t.Helper()
	var g struct{ Cases []distCase }
	readGzipJSON(t, "../testdata/distance.json.gz", &g)
	var out []distCase
	for _, c := range g.Cases {
		if c.Kind == "boundary" || c.Kind == "hdt" {
			out = append(out, c)
		}
	}
	if len(out) < 10 {
		t.Fatalf("%d boundary/hdt cases", len(out))
	}
	return out
}

// readGzipJSON decodes the gzipped JSON file at path into v.
func readGzipJSON(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(z).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func TestDistanceTermsGolden(t *testing.T) {
	for _, c := range loadDistCases(t) {
		t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			S := 1
			for _, d := range c.Shape {
				S *= d
			}
			sh := Shape{N: c.N, C: c.Classes, S: S}
			// Start from a nonzero buffer: the terms add weight × grad.
			const weight = 0.75
			grad := make([]float32, sh.Len())
			for i := range grad {
				grad[i] = 0.5
			}
			var v float64
			var err error
			switch c.Kind {
			case "boundary":
				phi := make([]float32, len(c.Phi))
				for i, x := range c.Phi {
					phi[i] = float32(x)
				}
				if !c.Sigmoid {
					// The maps segloss computes are the same.
					mine := make([]float32, len(phi))
					if err := distance.SignedMaps(mine, c.Labels, c.N, c.Classes, c.Shape, nil); err != nil {
						t.Fatal(err)
					}
					for i := range mine {
						if math.Abs(float64(mine[i])-c.Phi[i]) > 1e-6*math.Abs(c.Phi[i])+1e-6 {
							t.Fatalf("SignedMaps %d = %v, want %v", i, mine[i], c.Phi[i])
						}
					}
				}
				b := &Boundary{IncludeBackground: c.IncludeBackground}
				if c.Sigmoid {
					v, err = b.BinaryLoss(c.Logits, phi, sh, weight, grad)
				} else {
					v, err = b.Loss(c.Logits, phi, sh, weight, grad)
				}
			case "hdt":
				h := &HausdorffDT{Alpha: c.Alpha, IncludeBackground: c.IncludeBackground, Log: c.Log}
				if c.Sigmoid {
					v, err = h.BinaryLoss(c.Logits, c.Targets, sh, c.Shape, weight, grad)
				} else {
					v, err = h.Loss(c.Logits, I32(c.Labels), sh, c.Shape, weight, grad)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(v-c.Loss) > 2e-6*math.Abs(c.Loss)+1e-7 {
				t.Fatalf("loss %v, want %v", v, c.Loss)
			}
			var gmax float64
			for _, g := range c.Grad {
				gmax = max(gmax, math.Abs(g))
			}
			for i, g := range c.Grad {
				want := 0.5 + weight*g
				if math.Abs(float64(grad[i])-want) > 2e-6*gmax+1e-7 {
					t.Fatalf("grad %d = %v, want %v (0.5 + %v × %v)", i, grad[i], want, weight, g)
				}
			}
		})
	}
}

func TestDistanceTermsBadArgs(t *testing.T) {
	sh := Shape{N: 1, C: 2, S: 6}
	x := make([]float32, 12)
	phi := make([]float32, 12)
	lab := I32([]int32{0, 1, 1, 0, 1, 0})
	var b Boundary
	h := &HausdorffDT{}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"boundary logits", func() error { _, err := b.Loss(x[:11], phi, sh, 1, nil); return err }(), ErrLength},
		{"boundary phi", func() error { _, err := b.Loss(x, phi[:11], sh, 1, nil); return err }(), ErrLength},
		{"boundary grad", func() error { _, err := b.Loss(x, phi, sh, 1, make([]float32, 3)); return err }(), ErrLength},
		{"boundary weight", func() error { _, err := b.Loss(x, phi, sh, math.NaN(), nil); return err }(), ErrOption},
		{"boundary shape", func() error { _, err := b.BinaryLoss(x, phi, Shape{N: 1, C: 0, S: 6}, 1, nil); return err }(), ErrShape},
		{"hdt spatial", func() error { _, err := h.Loss(x, lab, sh, []int{4, 2}, 1, nil); return err }(), ErrShape},
		{"hdt spatial empty", func() error { _, err := h.Loss(x, lab, sh, nil, 1, nil); return err }(), ErrShape},
		{"hdt label", func() error { _, err := h.Loss(x, I32([]int32{0, 1, 2, 0, 1, 0}), sh, []int{2, 3}, 1, nil); return err }(), ErrLabel},
		{"hdt labels length", func() error { _, err := h.Loss(x, I32([]int32{0, 1}), sh, []int{2, 3}, 1, nil); return err }(), ErrLength},
		{"hdt alpha", func() error { _, err := (&HausdorffDT{Alpha: -1}).Loss(x, lab, sh, []int{2, 3}, 1, nil); return err }(), ErrOption},
		{"hdt spacing", func() error {
			_, err := (&HausdorffDT{Spacing: []float64{1}}).Loss(x, lab, sh, []int{2, 3}, 1, nil)
			return err
		}(), distance.ErrSpacing},
		{"hdt targets", func() error { _, err := h.BinaryLoss(x, phi[:5], sh, []int{2, 3}, 1, nil); return err }(), ErrLength},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, c.err, c.want)
		}
	}
}

// TestDistanceTermsWorkers: the boundary and Hausdorff DT terms split
// their blocks, images and channels across goroutines on inputs large
// enough to, and give the same bits for any Workers: the loss and every
// gradient element.
func TestDistanceTermsWorkers(t *testing.T) {
	const N, C, H, W = 3, 3, 128, 160 // 184k logits, over minParallel
	sh := Shape{N: N, C: C, S: H * W}
	spatial := []int{H, W}
	r := rand.New(rand.NewPCG(41, 42))
	labels := make([]uint8, N*sh.S)
	for i := range labels {
		y, x := i%sh.S/W, i%W
		labels[i] = uint8((y/40 + x/50 + i/sh.S) % C)
		if r.IntN(20) == 0 {
			labels[i] = uint8(r.IntN(C))
		}
	}
	logits := make([]float32, sh.Len())
	for i := range logits {
		logits[i] = float32(r.NormFloat64())
		if n, c, px := i/(C*sh.S), i/sh.S%C, i%sh.S; int(labels[n*sh.S+px]) == c {
			logits[i] += 1.5
		}
	}
	phi := make([]float32, sh.Len())
	if err := distance.SignedMaps(phi, labels, N, C, spatial, nil); err != nil {
		t.Fatal(err)
	}
	targets := make([]float32, sh.Len())
	for i := range targets {
		if n, c, px := i/(C*sh.S), i/sh.S%C, i%sh.S; int(labels[n*sh.S+px]) == c {
			targets[i] = 1
		}
	}
	type term struct {
		name string
		run  func(workers int, grad []float32) (float64, error)
	}
	for _, tm := range []term{
		{"boundary", func(w int, g []float32) (float64, error) {
			return (&Boundary{Workers: w}).Loss(logits, phi, sh, 0.7, g)
		}},
		{"boundary-binary", func(w int, g []float32) (float64, error) {
			return (&Boundary{Workers: w}).BinaryLoss(logits, phi, sh, 0.7, g)
		}},
		{"hdt", func(w int, g []float32) (float64, error) {
			return (&HausdorffDT{Workers: w, Log: true}).Loss(logits, U8(labels), sh, spatial, 0.7, g)
		}},
		{"hdt-binary", func(w int, g []float32) (float64, error) {
			return (&HausdorffDT{Workers: w}).BinaryLoss(logits, targets, sh, spatial, 0.7, g)
		}},
	} {
		want := make([]float32, sh.Len())
		wv, err := tm.run(1, want)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{2, 3, 0} {
			got := make([]float32, sh.Len())
			v, err := tm.run(w, got)
			if err != nil {
				t.Fatal(err)
			}
			if math.Float64bits(v) != math.Float64bits(wv) {
				t.Fatalf("%s workers %d: loss %v, one worker %v", tm.name, w, v, wv)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s workers %d: grad %d = %v, one worker %v", tm.name, w, i, got[i], want[i])
				}
			}
		}
	}
}
