package loss

import (
	"math/rand/v2"
	"testing"
)

// TestLargeAccuracy checks the accuracy target of docs/design.md (Numerics)
// on a large input: the loss value within 1e-6 relative of a float64
// reference, for every tier, when float32 block sums are combined over
// millions of elements.
func TestLargeAccuracy(t *testing.T) {
	sh := Shape{2, 4, 1 << 19} // 2^22 logits
	if testing.Short() {
		sh.S = 1 << 16
	}
	r := rand.New(rand.NewPCG(17, 18))
	x, lab, y := bigCase(r, sh)
	x64, y64 := to64(x), to64(y)
	losses := map[string]*Multiclass{
		"ce+dice": {Terms: []Weighted{{0.5, &CrossEntropy{}}, {0.5, Dice()}}, Ignore: Ignore(255)},
		"focal":   {Terms: []Weighted{{1, &Focal{Gamma: 2}}}, Ignore: Ignore(255)},
		"tversky": {Terms: []Weighted{{1, Tversky(0.3, 0.7)}}, Ignore: Ignore(255)},
	}
	refs := map[string]float64{}
	for name, m := range losses {
		refs[name] = refMulticlass(m, x64, U8(lab), sh)
	}
	b := &Binary{Terms: []Weighted{{0.5, &BCE{}}, {0.5, Dice()}}}
	bref := refBinary(b, x64, y64, sh)
	eachTier(t, func(t *testing.T) {
		var ws Workspace
		defer ws.Close()
		for name, m := range losses {
			v, err := m.Forward(&ws, x, U8(lab), sh)
			if err != nil {
				t.Fatal(err)
			}
			if !closeRel(v, refs[name], 1e-6, 0) {
				t.Errorf("%s: %.12g, float64 reference %.12g (rel %.2g)", name, v, refs[name], (v-refs[name])/refs[name])
			}
		}
		v, err := b.Forward(&ws, x, y, sh)
		if err != nil {
			t.Fatal(err)
		}
		if !closeRel(v, bref, 1e-6, 0) {
			t.Errorf("binary bce+dice: %.12g, float64 reference %.12g (rel %.2g)", v, bref, (v-bref)/bref)
		}
	})
}
