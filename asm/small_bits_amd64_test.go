//go:build !purego

package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// alignedF32 returns n float32s starting on a 64-byte boundary, every one
// set to v.
func alignedF32(n int, v float32) []float32 {
	b := make([]float32, n+16)
	off := 0
	if a := uintptr(unsafe.Pointer(unsafe.SliceData(b))) % 64; a != 0 {
		off = int((64 - a) / 4)
	}
	s := b[off : off+n : off+n]
	for i := range s {
		s[i] = v
	}
	return s
}

// sameBitsF32 reports whether a and b are the same float32, NaNs of any
// payload being the same.
func sameBitsF32(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

// smallBitsInput is one image for TestSmallBitIdentity: logits with
// special values (NaN, infinities, huge) in some, labels in and out of
// [0, C) and the ignore label.
type smallBitsInput struct {
	x     []float32
	lab8  []uint8
	lab32 []int32
}

func newSmallBitsInput(r *rand.Rand, C, S int, ign int32, special bool) smallBitsInput {
	in := smallBitsInput{x: make([]float32, C*S), lab8: make([]uint8, S), lab32: make([]int32, S)}
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 3e38, -3e38, 88, -104, 0}
	for i := range in.x {
		in.x[i] = 6 * (r.Float32() - 0.5)
		if special && r.IntN(7) == 0 {
			in.x[i] = specials[r.IntN(len(specials))]
		}
	}
	for i := range in.lab8 {
		l := int32(r.IntN(C))
		switch r.IntN(10) {
		case 0:
			l = ign
		case 1:
			l = int32(C + r.IntN(3)) // out of range
		case 2:
			l = 255
		}
		in.lab8[i] = uint8(l)
		in.lab32[i] = l
		if r.IntN(20) == 0 {
			in.lab32[i] = []int32{-1, -7, math.MinInt32, math.MaxInt32}[r.IntN(4)]
		}
	}
	return in
}

func smallTab(r *rand.Rand, C int) []float32 {
	tab := make([]float32, 8*C)
	for c := 0; c < C; c++ {
		e := tab[8*c:]
		e[0] = 0.2 + 2*r.Float32()         // w
		e[1] = r.Float32()                 // alpha
		e[2] = 1e-4 * r.Float32()          // kappa
		e[3] = -0.01 * r.Float32()         // A
		e[4] = 0.004 * r.Float32()         // B
		e[5] = 0.003 * (r.Float32() - 0.5) // E
		e[6] = 0.1 / float32(C) * e[0]     // eps/C*w
	}
	return tab
}

// TestSmallBitIdentity: on every class count 2..8, label type and tier
// this CPU runs, the small-C statistics, gradient and fused kernels give
// the same bits as the kernels for any C (SoftmaxStats*, SoftmaxGrad*,
// SoftmaxFused*) under every flag combination they accept, on logits with
// NaN, infinities and huge values, tails shorter than a vector and labels
// ignored or out of range. (The kernels test of internal/kernels compares
// small with small when both passes take the small kernels, and each with
// the generic code within a tolerance; this compares them directly.)
func TestSmallBitIdentity(t *testing.T) {
	type tierT struct {
		name string
		ok   bool
		u8   bool
	}
	var tiers []tierT
	for _, u8 := range []bool{true, false} {
		tiers = append(tiers, tierT{"AVX2", hasAVX2, u8}, tierT{"AVX512", hasAVX512, u8})
	}
	// 16384: the statistics store the probabilities into dst (compared
	// too), the gradient reads x as probabilities
	statsFlags := []uint64{1, 1 | 512, 1 | 1024, 1 | 512 | 1024, 4, 4 | 8, 1 | 4 | 8 | 512 | 1024 | 256, 1 | 256, 4 | 16384, 1 | 4 | 8 | 1024 | 16384}
	gradFlags := []uint64{0, 4, 1024, 512, 4 | 1024 | 512, 4 | 512, 256 | 1024, 4 | 16384, 4 | 1024 | 512 | 16384, 16384}
	fusedFlags := []uint64{0, 1024, 512, 512 | 1024}
	fusedSflags := []uint64{1, 1 | 512, 1 | 1024, 1 | 512 | 1024, 0, 4 | 8}
	r := rand.New(rand.NewPCG(3, 4))
	ran := false
	for _, tr := range tiers {
		if !tr.ok {
			continue
		}
		ran = true
		ln := "U8"
		if !tr.u8 {
			ln = "I32"
		}
		for C := 2; C <= 8; C++ {
			for _, sh := range [][3]int{{1, 0, 1}, {3, 0, 3}, {7, 1, 6}, {8, 0, 8}, {15, 0, 15}, {16, 0, 16}, {17, 2, 17}, {33, 0, 33}, {100, 5, 97}} {
				S, lo, hi := sh[0], sh[1], sh[2]
				for _, special := range []bool{false, true} {
					ign := int32(-1)
					if r.IntN(2) == 0 {
						ign = int32(r.IntN(C))
					}
					in := newSmallBitsInput(r, C, S, ign, special)
					tab := smallTab(r, C)
					where := func(kind string, flags, sflags uint64) string {
						return fmt.Sprintf("%s%s %s C=%d S=%d [%d,%d) special=%v flags=%d sflags=%d", ln, tr.name, kind, C, S, lo, hi, special, flags, sflags)
					}
					eps := float32(0.1)
					eps1, epsC := 1-eps, eps/float32(C)
					var wsum float32
					for c := 0; c < C; c++ {
						wsum += tab[8*c]
					}
					// Statistics.
					for _, flags := range statsFlags {
						var outs, pdsts [2][]float32
						for k := 0; k < 2; k++ {
							scr, out, pdst := alignedF32(80*C, float32(math.NaN())), alignedF32(4*C+4, -7), alignedF32(C*S, -7)
							pdsts[k] = pdst
							var err error
							switch {
							case tr.u8 && tr.name == "AVX2" && k == 0:
								err = SoftmaxStatsU8AVX2(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							case tr.u8 && tr.name == "AVX2":
								err = SoftmaxStatsSmallU8AVX2(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							case tr.u8 && k == 0:
								err = SoftmaxStatsU8AVX512(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							case tr.u8:
								err = SoftmaxStatsSmallU8AVX512(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							case tr.name == "AVX2" && k == 0:
								err = SoftmaxStatsI32AVX2(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							case tr.name == "AVX2":
								err = SoftmaxStatsSmallI32AVX2(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							case k == 0:
								err = SoftmaxStatsI32AVX512(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							default:
								err = SoftmaxStatsSmallI32AVX512(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, eps1, epsC, wsum, 0, 0, out, pdst)
							}
							if err != nil {
								t.Fatalf("%s: %v", where("stats", flags, 0), err)
							}
							outs[k] = out
						}
						for i := range outs[0] {
							if !sameBitsF32(outs[0][i], outs[1][i]) {
								t.Fatalf("%s: out[%d] = %v, the kernel for any C %v", where("stats", flags, 0), i, outs[1][i], outs[0][i])
							}
						}
						for i := range pdsts[0] {
							if !sameBitsF32(pdsts[0][i], pdsts[1][i]) {
								t.Fatalf("%s: probabilities class %d pixel %d = %v, the kernel for any C %v", where("stats", flags, 0), i/S, i%S, pdsts[1][i], pdsts[0][i])
							}
						}
					}
					// Gradient and fused.
					k1, k2 := float32(1e-3*0.9), float32(1e-3*0.1)*wsum/float32(C)
					run := func(fused bool, flags, sflags uint64) {
						var dsts, outs [2][]float32
						for k := 0; k < 2; k++ {
							scr, dst, out := alignedF32(80*C, float32(math.NaN())), alignedF32(C*S, -7), alignedF32(4, -7)
							var err error
							small := k == 1
							switch {
							case !fused && tr.u8 && tr.name == "AVX2" && !small:
								err = SoftmaxGradU8AVX2(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused && tr.u8 && tr.name == "AVX2":
								err = SoftmaxGradSmallU8AVX2(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused && tr.u8 && !small:
								err = SoftmaxGradU8AVX512(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused && tr.u8:
								err = SoftmaxGradSmallU8AVX512(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused && tr.name == "AVX2" && !small:
								err = SoftmaxGradI32AVX2(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused && tr.name == "AVX2":
								err = SoftmaxGradSmallI32AVX2(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused && !small:
								err = SoftmaxGradI32AVX512(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case !fused:
								err = SoftmaxGradSmallI32AVX512(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst)
							case tr.u8 && tr.name == "AVX2" && !small:
								err = SoftmaxFusedU8AVX2(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							case tr.u8 && tr.name == "AVX2":
								err = SoftmaxFusedSmallU8AVX2(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							case tr.u8 && !small:
								err = SoftmaxFusedU8AVX512(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							case tr.u8:
								err = SoftmaxFusedSmallU8AVX512(in.x, S, lo, hi, in.lab8, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							case tr.name == "AVX2" && !small:
								err = SoftmaxFusedI32AVX2(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							case tr.name == "AVX2":
								err = SoftmaxFusedSmallI32AVX2(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							case !small:
								err = SoftmaxFusedI32AVX512(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							default:
								err = SoftmaxFusedSmallI32AVX512(in.x, S, lo, hi, in.lab32, nil, C, ign, flags, tab, scr, k1, k2, 0, 0, 0, 0, dst, sflags, eps1, epsC, wsum, out)
							}
							kind := "grad"
							if fused {
								kind = "fused"
							}
							if err != nil {
								t.Fatalf("%s: %v", where(kind, flags, sflags), err)
							}
							dsts[k], outs[k] = dst, out
						}
						kind := "grad"
						if fused {
							kind = "fused"
						}
						for i := range dsts[0] {
							if !sameBitsF32(dsts[0][i], dsts[1][i]) {
								t.Fatalf("%s: dst class %d pixel %d = %v, the kernel for any C %v", where(kind, flags, sflags), i/S, i%S, dsts[1][i], dsts[0][i])
							}
						}
						for i := range outs[0] {
							if !sameBitsF32(outs[0][i], outs[1][i]) {
								t.Fatalf("%s: out[%d] = %v, the kernel for any C %v", where(kind, flags, sflags), i, outs[1][i], outs[0][i])
							}
						}
					}
					for _, flags := range gradFlags {
						run(false, flags, 0)
					}
					for _, flags := range fusedFlags {
						for _, sflags := range fusedSflags {
							run(true, flags, sflags)
						}
					}
				}
			}
		}
	}
	if !ran {
		t.Skip("no AVX2")
	}
}

// TestCheckedSmallFocalSum: the small-C fused entry points refuse a focal
// sum in sflags (bit 2; they have no focal accumulator), which
// TestCheckedSmall, whose sflags are always 1, does not try; the same
// arguments without it run.
func TestCheckedSmallFocalSum(t *testing.T) {
	const S, C = 40, 4
	img, dst := make([]float32, C*S), make([]float32, C*S)
	tab, scr, out := make([]float32, 8*C), alignedF32(80*C, 0), make([]float32, 4*C+4)
	l8, l32 := make([]uint8, S), make([]int32, S)
	for _, sflags := range []uint64{1 | 2, 2, 1 | 2 | 512} {
		errs := [4]error{
			SoftmaxFusedSmallU8AVX2(img, S, 0, S, l8, nil, C, -1, 0, tab, scr, 1, 0, 0, 0, 0, 0, dst, sflags, 1, 0, C, out),
			SoftmaxFusedSmallI32AVX2(img, S, 0, S, l32, nil, C, -1, 0, tab, scr, 1, 0, 0, 0, 0, 0, dst, sflags, 1, 0, C, out),
			SoftmaxFusedSmallU8AVX512(img, S, 0, S, l8, nil, C, -1, 0, tab, scr, 1, 0, 0, 0, 0, 0, dst, sflags, 1, 0, C, out),
			SoftmaxFusedSmallI32AVX512(img, S, 0, S, l32, nil, C, -1, 0, tab, scr, 1, 0, 0, 0, 0, 0, dst, sflags, 1, 0, C, out),
		}
		for i, err := range errs {
			wantArg(t, fmt.Sprintf("fused %d sflags=%d", i, sflags), err)
		}
	}
	if hasAVX2 {
		if err := SoftmaxFusedSmallU8AVX2(img, S, 0, S, l8, nil, C, -1, 0, tab, scr, 1, 0, 0, 0, 0, 0, dst, 1, 1, 0, C, out); err != nil {
			t.Fatalf("sflags=1: %v", err)
		}
	}
}
