package loss

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
)

// bigCase returns a batch large enough to run in parallel (several chunks
// per image) with an odd pixel count.
func bigCase(r *rand.Rand, sh Shape) (x []float32, lab []uint8, y []float32) {
	x = randLogits(r, sh.Len(), 3)
	lab = make([]uint8, sh.N*sh.S)
	for i := range lab {
		lab[i] = uint8(r.IntN(sh.C))
		if r.IntN(20) == 0 {
			lab[i] = 255
		}
	}
	y = make([]float32, sh.Len())
	for i := range y {
		if r.IntN(4) == 0 {
			y[i] = 1
		}
	}
	return x, lab, y
}

func sameBits(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}

// TestWorkersBitIdentical checks that every loss gives bit-identical values
// and gradients for any worker count and GOMAXPROCS, on every tier.
func TestWorkersBitIdentical(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sh := Shape{2, 3, 3*chunkPixels + 777}
	if testing.Short() {
		sh.S = chunkPixels + 777
	}
	x, lab, y := bigCase(r, sh)
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	eachTierLong(t, func(t *testing.T) {
		mcs, bns := mcCases(sh.C), bnCases(sh.C)
		for _, name := range slices.Sorted(maps.Keys(mcs)) {
			if testing.Short() && !shortCases[name] {
				continue // race, arm64 under emulation: the cases with every term
			}
			m := *mcs[name]
			m.Ignore = Ignore(255)
			var ws Workspace
			ref := make([]float32, sh.Len())
			m.Workers = 1
			runtime.GOMAXPROCS(1)
			v1, err := m.Backward(&ws, x, U8(lab), sh, ref)
			if err != nil {
				t.Fatal(err)
			}
			g := make([]float32, sh.Len())
			for _, gmp := range []int{1, 2} {
				runtime.GOMAXPROCS(gmp)
				for _, w := range []int{0, 2, 3, 7, 16} {
					m.Workers = w
					v, err := m.Backward(&ws, x, U8(lab), sh, g)
					if err != nil {
						t.Fatal(err)
					}
					if math.Float64bits(v) != math.Float64bits(v1) {
						t.Errorf("%s: GOMAXPROCS %d workers %d: value %v, 1 worker %v", name, gmp, w, v, v1)
					}
					if i := sameBits(g, ref); i >= 0 {
						t.Errorf("%s: GOMAXPROCS %d workers %d: grad[%d] = %v, 1 worker %v", name, gmp, w, i, g[i], ref[i])
					}
				}
			}
			ws.Close()
		}
		for _, name := range slices.Sorted(maps.Keys(bns)) {
			if testing.Short() && !shortCases[name] {
				continue
			}
			b := *bns[name]
			var ws Workspace
			ref := make([]float32, sh.Len())
			b.Workers = 1
			runtime.GOMAXPROCS(1)
			v1, _ := b.Backward(&ws, x, y, sh, ref)
			g := make([]float32, sh.Len())
			for _, gmp := range []int{1, 2} {
				runtime.GOMAXPROCS(gmp)
				for _, w := range []int{0, 2, 3, 7, 16} {
					b.Workers = w
					v, _ := b.Backward(&ws, x, y, sh, g)
					if math.Float64bits(v) != math.Float64bits(v1) {
						t.Errorf("binary %s: GOMAXPROCS %d workers %d: value %v, 1 worker %v", name, gmp, w, v, v1)
					}
					if i := sameBits(g, ref); i >= 0 {
						t.Errorf("binary %s: GOMAXPROCS %d workers %d: grad[%d] = %v, 1 worker %v", name, gmp, w, i, g[i], ref[i])
					}
				}
			}
			ws.Close()
		}
	})
}

// shard is a part of a batch: images [n0, n0+n) and pixels [s0, s0+s) of
// each, copied into its own NCHW arrays.
type shard struct {
	n0, n, s0, s int
	x, y         []float32
	lab          []uint8
}

func cut(sh Shape, x []float32, lab []uint8, y []float32, n0, n, s0, s int) shard {
	d := shard{n0: n0, n: n, s0: s0, s: s}
	for i := n0; i < n0+n; i++ {
		for c := 0; c < sh.C; c++ {
			o := (i*sh.C+c)*sh.S + s0
			d.x = append(d.x, x[o:o+s]...)
			d.y = append(d.y, y[o:o+s]...)
		}
		d.lab = append(d.lab, lab[i*sh.S+s0:i*sh.S+s0+s]...)
	}
	return d
}

// paste copies a shard's gradient into the whole batch's layout.
func (d shard) paste(sh Shape, g, dst []float32) {
	k := 0
	for i := d.n0; i < d.n0+d.n; i++ {
		for c := 0; c < sh.C; c++ {
			o := (i*sh.C+c)*sh.S + d.s0
			copy(dst[o:o+d.s], g[k:k+d.s])
			k += d.s
		}
	}
}

// shardings returns ways of cutting N images of S pixels into k shards:
// by images, and by images and pixel ranges whose boundaries are multiples
// of the kernel block (so that float32 blocks are the same as the whole
// batch's).
func shardings(N, S, k int) [][][4]int {
	var out [][][4]int
	if k <= N { // k groups of whole images
		var p [][4]int
		for i := 0; i < k; i++ {
			n0, n1 := i*N/k, (i+1)*N/k
			p = append(p, [4]int{n0, n1 - n0, 0, S})
		}
		out = append(out, p)
	}
	// every image cut into k pixel ranges at block boundaries
	blocks := (S + kernels.BlockSize - 1) / kernels.BlockSize
	if k <= blocks {
		var p [][4]int
		for n := 0; n < N; n++ {
			for i := 0; i < k; i++ {
				s0 := min(i*blocks/k*kernels.BlockSize, S)
				s1 := min((i+1)*blocks/k*kernels.BlockSize, S)
				if i == k-1 {
					s1 = S
				}
				p = append(p, [4]int{n, 1, s0, s1 - s0})
			}
		}
		out = append(out, p)
	}
	return out
}

// TestShardMerge checks that statistics accumulated shard by shard, merged,
// give the whole batch's loss value and gradient.
func TestShardMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	sh := Shape{3, 4, 5*kernels.BlockSize + 333}
	x, lab, y := bigCase(r, sh)
	eachTierLong(t, func(t *testing.T) {
		mcs, bns := mcCases(sh.C), bnCases(sh.C)
		kmax := 5
		if testing.Short() { // race, arm64 under emulation
			kmax = 3
		}
		for k := 1; k <= kmax; k++ {
			for pi, parts := range shardings(sh.N, sh.S, k) {
				var shards []shard
				for _, p := range parts {
					shards = append(shards, cut(sh, x, lab, y, p[0], p[1], p[2], p[3]))
				}
				for _, name := range slices.Sorted(maps.Keys(mcs)) {
					if testing.Short() && !shortCases[name] {
						continue
					}
					m := *mcs[name]
					m.Ignore = Ignore(255)
					t.Run(fmt.Sprintf("%s/k=%d/%d", name, k, pi), func(t *testing.T) {
						var ws Workspace
						want := make([]float32, sh.Len())
						v, err := m.Backward(&ws, x, U8(lab), sh, want)
						if err != nil {
							t.Fatal(err)
						}
						// Each shard on its own statistics, merged in order.
						var total Stats
						total.Reset(sh.N, sh.C)
						for _, d := range shards {
							var st Stats
							st.Reset(sh.N, sh.C)
							if err := m.Accumulate(&ws, &st, d.x, U8(d.lab), Shape{d.n, sh.C, d.s}, d.n0); err != nil {
								t.Fatal(err)
							}
							if err := total.Merge(&st); err != nil {
								t.Fatal(err)
							}
						}
						got, err := m.Value(&ws, &total)
						if err != nil {
							t.Fatal(err)
						}
						if !closeRel(got, v, 1e-12, 1e-15) {
							t.Errorf("merged value %v, whole batch %v", got, v)
						}
						g := make([]float32, sh.Len())
						for _, d := range shards {
							gs := make([]float32, len(d.x))
							if _, err := m.Gradient(&ws, &total, d.x, U8(d.lab), Shape{d.n, sh.C, d.s}, d.n0, gs); err != nil {
								t.Fatal(err)
							}
							d.paste(sh, gs, g)
						}
						compareGrads(t, g, want)
					})
				}
				for _, name := range slices.Sorted(maps.Keys(bns)) {
					if testing.Short() && !shortCases[name] {
						continue
					}
					b := *bns[name]
					t.Run(fmt.Sprintf("binary_%s/k=%d/%d", name, k, pi), func(t *testing.T) {
						var ws Workspace
						want := make([]float32, sh.Len())
						v, _ := b.Backward(&ws, x, y, sh, want)
						var total Stats
						total.Reset(sh.N, sh.C)
						for _, d := range shards { // accumulate straight into one Stats
							if err := b.Accumulate(&ws, &total, d.x, d.y, Shape{d.n, sh.C, d.s}, d.n0); err != nil {
								t.Fatal(err)
							}
						}
						got, _ := b.Value(&ws, &total)
						if !closeRel(got, v, 1e-12, 1e-15) {
							t.Errorf("merged value %v, whole batch %v", got, v)
						}
						g := make([]float32, sh.Len())
						for _, d := range shards {
							gs := make([]float32, len(d.x))
							if _, err := b.Gradient(&ws, &total, d.x, d.y, Shape{d.n, sh.C, d.s}, d.n0, gs); err != nil {
								t.Fatal(err)
							}
							d.paste(sh, gs, g)
						}
						compareGrads(t, g, want)
					})
				}
			}
		}
	})
}

// compareGrads allows what float64 rounding of the merged sums can change:
// a float32 coefficient rounded the other way (a few ULP of the gradient).
func compareGrads(t *testing.T, got, want []float32) {
	t.Helper()
	mx := 0.0
	for _, v := range want {
		mx = math.Max(mx, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*mx {
			t.Fatalf("grad[%d] = %v, whole batch %v", i, got[i], want[i])
		}
	}
}

func TestStatsErrors(t *testing.T) {
	var ws Workspace
	m := CombinedLoss(0.5, 0.5)
	x := make([]float32, 2*3*10)
	lab := make([]uint8, 20)
	var st Stats
	if err := m.Accumulate(&ws, &st, x, U8(lab), Shape{2, 3, 10}, 0); err == nil {
		t.Error("Accumulate into a Stats that was never Reset: no error")
	}
	st.Reset(2, 3)
	if err := m.Accumulate(&ws, &st, x, U8(lab), Shape{2, 3, 10}, 1); err == nil {
		t.Error("shard past the Stats' images: no error")
	}
	if err := m.Accumulate(&ws, &st, x, U8(lab), Shape{2, 3, 10}, 0); err != nil {
		t.Fatal(err)
	}
	b := &Binary{Terms: []Weighted{{1, Dice()}}}
	if _, err := b.Value(&ws, &st); err == nil {
		t.Error("Binary Value of Multiclass statistics: no error")
	}
	var other Stats
	other.Reset(3, 3)
	if err := st.Merge(&other); err == nil {
		t.Error("Merge of different shapes: no error")
	}
}

// TestSinglePass: a loss of pixelwise terms only (CE, focal) takes its
// Backward from one fused pass. Its value must be Forward's bit for bit,
// and its gradient that of the two passes (Accumulate, then Gradient) bit
// for bit, for uint8 and int32 labels, with and without an ignored label,
// on every tier.
func TestSinglePass(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	sh := Shape{2, 5, 2*kernels.BlockSize + 77}
	x, lab, _ := bigCase(r, sh)
	l32 := make([]int32, len(lab))
	lab0, l320 := make([]uint8, len(lab)), make([]int32, len(lab)) // for ignore 0
	for i, v := range lab {
		l32[i] = int32(v)
		if v == 255 {
			l32[i] = -100
		} else {
			lab0[i], l320[i] = v, int32(v)
		}
	}
	eachTierLong(t, func(t *testing.T) {
		mcs := mcCases(sh.C)
		mcs["ce_focal_ignore0"] = &Multiclass{Terms: []Weighted{{0.7, &CrossEntropy{Weight: []float32{1, 2, 0.5, 0.25, 3}}}, {0.3, &Focal{Gamma: 2}}}, Ignore: Ignore(0)}
		for _, name := range slices.Sorted(maps.Keys(mcs)) {
			m := *mcs[name]
			single := true
			for _, tm := range m.Terms {
				switch tm.Term.(type) {
				case Region, *Region:
					single = false
				}
			}
			if !single {
				continue
			}
			for _, i32 := range []bool{false, true} {
				labels, ign := U8(lab), Ignore(255)
				if i32 {
					labels, ign = I32(l32), Ignore(-100)
				}
				if name == "ce_focal_ignore0" {
					labels = U8(lab0)
					if i32 {
						labels = I32(l320)
					}
				} else {
					m.Ignore = ign
				}
				t.Run(fmt.Sprintf("%s/i32=%v", name, i32), func(t *testing.T) {
					checkSinglePass(t, sh, func(ws *Workspace) (float64, error) { return m.Forward(ws, x, labels, sh) },
						func(ws *Workspace, g []float32) (float64, error) { return m.Backward(ws, x, labels, sh, g) },
						func(ws *Workspace, st *Stats) error { return m.Accumulate(ws, st, x, labels, sh, 0) },
						func(ws *Workspace, st *Stats, g []float32) (float64, error) {
							return m.Gradient(ws, st, x, labels, sh, 0, g)
						})
				})
			}
		}
	})
}

// TestSinglePassBinary is TestSinglePass for the Binary losses of
// pixelwise terms only (BCE, sigmoid focal).
func TestSinglePassBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	sh := Shape{2, 3, 2*kernels.BlockSize + 77}
	x, _, y := bigCase(r, sh)
	eachTierLong(t, func(t *testing.T) {
		bns := bnCases(sh.C)
		bns["bce_sfocal"] = &Binary{Terms: []Weighted{{0.6, &BCE{PosWeight: []float32{1, 2, 3}}}, {0.4, NewSigmoidFocal()}}}
		for _, name := range slices.Sorted(maps.Keys(bns)) {
			b := *bns[name]
			single := true
			for _, tm := range b.Terms {
				switch tm.Term.(type) {
				case Region, *Region:
					single = false
				}
			}
			if !single {
				continue
			}
			t.Run(name, func(t *testing.T) {
				checkSinglePass(t, sh, func(ws *Workspace) (float64, error) { return b.Forward(ws, x, y, sh) },
					func(ws *Workspace, g []float32) (float64, error) { return b.Backward(ws, x, y, sh, g) },
					func(ws *Workspace, st *Stats) error { return b.Accumulate(ws, st, x, y, sh, 0) },
					func(ws *Workspace, st *Stats, g []float32) (float64, error) {
						return b.Gradient(ws, st, x, y, sh, 0, g)
					})
			})
		}
	})
}

// checkSinglePass compares a loss's Backward (one fused pass) with its
// Forward (the value, bit for bit) and with Accumulate then Gradient (value
// and gradient, bit for bit), on the shape sh.
func checkSinglePass(t *testing.T, sh Shape,
	forward func(ws *Workspace) (float64, error),
	backward func(ws *Workspace, g []float32) (float64, error),
	accumulate func(ws *Workspace, st *Stats) error,
	gradient func(ws *Workspace, st *Stats, g []float32) (float64, error),
) {
	t.Helper()
	var ws Workspace
	fwd, err := forward(&ws)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float32, sh.Len())
	v, err := backward(&ws, g)
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(v) != math.Float64bits(fwd) {
		t.Errorf("Backward value %v, Forward %v", v, fwd)
	}
	var st Stats
	st.Reset(sh.N, sh.C)
	if err := accumulate(&ws, &st); err != nil {
		t.Fatal(err)
	}
	g2 := make([]float32, sh.Len())
	v2, err := gradient(&ws, &st, g2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(v2) != math.Float64bits(v) {
		t.Errorf("two-pass value %v, single pass %v", v2, v)
	}
	if i := sameBits(g, g2); i >= 0 {
		t.Fatalf("grad[%d] = %v single pass, %v two passes", i, g[i], g2[i])
	}
}
