package loss

import (
	"math"
	"testing"
)

// TestMCCNaNPropagates: a NaN probability (NoActivation) propagates to the
// value (the Activation godoc), MCC terms included. The MCC entry took a
// NaN denominator for the 0/0 guard's perfect score, so the NaN vanished:
// Forward returned 0 for the input below, found by FuzzLoss (seed
// a82e372998419983 in testdata/fuzz/FuzzLoss: a Binary of an MCC term at
// weight 1000 returning 276.8 with a NaN input).
func TestMCCNaNPropagates(t *testing.T) {
	var ws Workspace
	defer ws.Close()
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name string
		run  func() (float64, error)
	}{
		{"Binary", func() (float64, error) {
			b := &Binary{Terms: []Weighted{{1, MCC()}}, Activation: NoActivation}
			return b.Forward(&ws, []float32{0.5, nan}, []float32{1, 0}, Shape{1, 1, 2})
		}},
		{"Multiclass", func() (float64, error) {
			m := &Multiclass{Terms: []Weighted{{1, MCC()}}, Activation: NoActivation}
			return m.Forward(&ws, []float32{0.5, nan, 0.5, 0}, U8([]uint8{0, 1}), Shape{1, 2, 2})
		}},
	} {
		v, err := tc.run()
		if err != nil || !math.IsNaN(v) {
			t.Errorf("%s: MCC of a NaN probability: %v, %v; want NaN, nil", tc.name, v, err)
		}
	}
}
