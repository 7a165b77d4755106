package kernels

import (
	"errors"
	"math"
	"testing"
)

func TestUse(t *testing.T) {
	prev := Active()
	defer Use(prev)
	for _, name := range Available() {
		if err := Use(name); err != nil || Active() != name {
			t.Fatalf("Use(%q): %v, active %q", name, err, Active())
		}
	}
	if err := Use("no such tier"); err == nil {
		t.Fatal("Use of an unknown tier: no error")
	}
	if got := Available(); got[len(got)-1] != "generic" {
		t.Fatalf("Available() = %v, want generic last", got)
	}
}

// TestElementwise: every tier's Exp, Log, Sigmoid against math, and a
// short x is ErrArg with nothing written.
func TestElementwise(t *testing.T) {
	prev := Active()
	defer Use(prev)
	x := []float32{-3, -1, 0, 0.5, 1, 2, 10, 20, 1e-3}
	for _, name := range Available() {
		Use(name)
		for _, f := range []struct {
			name string
			run  func(dst, x []float32) error
			ref  func(float64) float64
		}{
			{"Exp", Exp, math.Exp},
			{"Log", Log, math.Log},
			{"Sigmoid", Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		} {
			dst := make([]float32, len(x))
			if err := f.run(dst, x); err != nil {
				t.Fatal(err)
			}
			for i, v := range x {
				want := f.ref(float64(v))
				if math.IsNaN(want) {
					continue
				}
				if math.Abs(float64(dst[i])-want) > 1e-6*math.Max(1, math.Abs(want)) {
					t.Fatalf("%s %s(%v) = %v, want %v", name, f.name, v, dst[i], want)
				}
			}
			long := make([]float32, len(x)+1)
			for i := range long {
				long[i] = 7
			}
			if err := f.run(long, x); !errors.Is(err, ErrArg) {
				t.Fatalf("%s %s with a short x: error %v, want ErrArg", name, f.name, err)
			}
			for i, v := range long {
				if v != 7 {
					t.Fatalf("%s %s: dst[%d] written after an error", name, f.name, i)
				}
			}
		}
	}
}
