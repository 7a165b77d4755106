package loss

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// TestLovaszWith: LossWith and BinaryLossWith give Loss's and BinaryLoss's
// bits on one reused Workspace, call after call with shapes that shrink
// and grow (stale scratch must not show), allocate nothing once grown,
// and reject a nil or busy Workspace.
func TestLovaszWith(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	var ws Workspace
	defer ws.Close()
	for i, sz := range [][3]int{{2, 4, 700}, {1, 3, 50}, {3, 2, 1000}, {1, 5, 9}, {2, 4, 700}} {
		sh := NewShape(sz[0], sz[1], sz[2])
		x := lovaszLogits(r, i%5, sh.Len())
		lab := make([]int32, sh.N*sh.S)
		for j := range lab {
			lab[j] = int32(r.IntN(sh.C))
			if r.IntN(9) == 0 {
				lab[j] = 255
			}
		}
		tg := make([]float32, sh.Len())
		for j := range tg {
			tg[j] = float32(r.IntN(2))
		}
		for _, l := range []*Lovasz{{Ignore: Ignore(255)}, {Ignore: Ignore(255), PerImage: true, AllClasses: true}} {
			g1, g2 := make([]float32, sh.Len()), make([]float32, sh.Len())
			v1, err1 := l.Loss(x, I32(lab), sh, 0.7, g1)
			v2, err2 := l.LossWith(&ws, x, I32(lab), sh, 0.7, g2)
			if err1 != nil || err2 != nil || math.Float64bits(v1) != math.Float64bits(v2) {
				t.Fatalf("%v: LossWith %v (%v), Loss %v (%v)", sh, v2, err2, v1, err1)
			}
			if k := sameBits(g2, g1); k >= 0 {
				t.Fatalf("%v: LossWith grad[%d] = %v, Loss %v", sh, k, g2[k], g1[k])
			}
			b1, b2 := make([]float32, sh.Len()), make([]float32, sh.Len())
			v1, err1 = l.BinaryLoss(x, tg, sh, 0.7, b1)
			v2, err2 = l.BinaryLossWith(&ws, x, tg, sh, 0.7, b2)
			if err1 != nil || err2 != nil || math.Float64bits(v1) != math.Float64bits(v2) {
				t.Fatalf("%v: BinaryLossWith %v (%v), BinaryLoss %v (%v)", sh, v2, err2, v1, err1)
			}
			if k := sameBits(b2, b1); k >= 0 {
				t.Fatalf("%v: BinaryLossWith grad[%d] = %v, BinaryLoss %v", sh, k, b2[k], b1[k])
			}
			if a := testing.AllocsPerRun(allocRuns(), func() { l.LossWith(&ws, x, I32(lab), sh, 0.7, g2) }); a != 0 {
				t.Errorf("%v: LossWith %v allocs/op", sh, a)
			}
			if a := testing.AllocsPerRun(allocRuns(), func() { l.BinaryLossWith(&ws, x, tg, sh, 0.7, b2) }); a != 0 {
				t.Errorf("%v: BinaryLossWith %v allocs/op", sh, a)
			}
		}
	}
	sh := NewShape(1, 2, 4)
	x, lab := make([]float32, 8), make([]int32, 4)
	if _, err := (&Lovasz{}).LossWith(nil, x, I32(lab), sh, 1, nil); !errors.Is(err, ErrOption) {
		t.Errorf("nil workspace: %v, want ErrOption", err)
	}
	w, err := ws.acquire()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&Lovasz{}).BinaryLossWith(&ws, x, x, sh, 1, nil); !errors.Is(err, ErrBusy) {
		t.Errorf("busy workspace: %v, want ErrBusy", err)
	}
	w.release()
}
