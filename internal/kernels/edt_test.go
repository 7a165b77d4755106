package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteEnvelope is the definition: min_p g[p] + (s(q-p))², in float64.
func bruteEnvelope(g []float64, s float64) []float64 {
	out := make([]float64, len(g))
	for q := range g {
		best := math.Inf(1)
		for p, v := range g {
			d := float64(q-p) * s
			best = min(best, v+d*d)
		}
		out[q] = best
	}
	return out
}

const guard = float32(-12345)

// TestEDTEnvelopeLengths runs every length up to 80 at strides 1 to 3 with
// guard values between and around the written elements, and checks each
// value against the definition (exact for unit spacing and integer
// inputs).
func TestEDTEnvelopeLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 1; n <= 80; n++ {
		for _, stride := range []int{1, 2, 3} {
			for trial := 0; trial < 8; trial++ {
				s := 1.0
				if trial >= 4 {
					s = []float64{0.5, 0.7, 2.5, 1.3}[trial-4]
				}
				src := make([]float32, n*stride+2)
				for i := range src {
					src[i] = guard
				}
				g := make([]float64, n)
				for i := range g {
					switch x := r.IntN(10); {
					case x < 3:
						g[i] = 0
					case x < 5 && trial%2 == 1:
						g[i] = math.Inf(1)
					default:
						g[i] = float64(r.IntN(400))
					}
					src[1+i*stride] = float32(g[i])
				}
				want := bruteEnvelope(g, s)
				for _, sqrt := range []bool{false, true} {
					dst := make([]float32, n*stride+2)
					for i := range dst {
						dst[i] = guard
					}
					sc := NewEDTScratch(n)
					in := append([]float32(nil), src...)
					EDTEnvelope(dst[1:], stride, src[1:], stride, n, s, sqrt, sc)
					for i := range src {
						if math.Float32bits(src[i]) != math.Float32bits(in[i]) {
							t.Fatalf("n %d: src modified at %d", n, i)
						}
					}
					for i := range dst {
						if (i-1)%stride != 0 || i == 0 || i > (n-1)*stride+1 {
							if dst[i] != guard {
								t.Fatalf("n %d stride %d: guard %d overwritten with %v", n, stride, i, dst[i])
							}
							continue
						}
						q := (i - 1) / stride
						w := want[q]
						if sqrt {
							w = math.Sqrt(w)
						}
						got := float64(dst[i])
						if s == 1 {
							if dst[i] != float32(w) {
								t.Fatalf("n %d stride %d sqrt %v: q %d = %v, want %v (g %v)", n, stride, sqrt, q, got, float32(w), g)
							}
						} else if math.IsInf(w, 1) != math.IsInf(got, 1) || math.Abs(got-w) > 2e-7*w {
							t.Fatalf("n %d s %v sqrt %v: q %d = %v, want %v (g %v)", n, s, sqrt, q, got, w, g)
						}
					}
					// In place: dst = src with the same stride.
					inpl := append([]float32(nil), src...)
					EDTEnvelope(inpl[1:], stride, inpl[1:], stride, n, s, sqrt, sc)
					for i := range inpl {
						if math.Float32bits(inpl[i]) != math.Float32bits(dst[i]) {
							t.Fatalf("n %d stride %d: in place differs at %d: %v vs %v", n, stride, i, inpl[i], dst[i])
						}
					}
				}
			}
		}
	}
}

// TestEDTBinaryLineLengths checks the first pass against its definition
// at every length up to 100.
func TestEDTBinaryLineLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 100; n++ {
		for trial := 0; trial < 10; trial++ {
			s := []float64{1, 0.5, 2.5, 0.7, 1}[trial%5]
			mask := make([]uint8, n)
			p := []float64{0, 0.5, 0.9, 1, 0.97}[trial%5]
			for i := range mask {
				if r.Float64() < p {
					mask[i] = uint8(1 + r.IntN(255))
				}
			}
			sq := make([]float32, n+1)
			EDTSquares(sq, s)
			dst := make([]float32, n+2)
			dst[0], dst[n+1] = guard, guard
			EDTBinaryLine(dst[1:n+1], mask, sq[:n])
			if dst[0] != guard || dst[n+1] != guard {
				t.Fatalf("n %d: guard overwritten", n)
			}
			for i, m := range mask {
				best := math.Inf(1)
				for j, mj := range mask {
					if mj == 0 {
						d := float64(i-j) * s
						best = min(best, d*d)
					}
				}
				if m == 0 {
					best = 0
				}
				if dst[i+1] != float32(best) {
					t.Fatalf("n %d s %v: voxel %d = %v, want %v (mask %v)", n, s, i, dst[i+1], float32(best), mask)
				}
			}
		}
	}
}

// FuzzEDTEnvelope compares the envelope with its definition on arbitrary
// lines of small integers, zeros and +Inf.
func FuzzEDTEnvelope(f *testing.F) {
	f.Add([]byte{0, 3, 9, 255, 1, 0}, uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, sp uint8) {
		if len(b) == 0 || len(b) > 300 {
			return
		}
		s := []float64{1, 0.5, 2.5, 0.3}[sp%4]
		g := make([]float64, len(b))
		src := make([]float32, len(b))
		for i, x := range b {
			g[i] = float64(x)
			if x == 255 {
				g[i] = math.Inf(1)
			}
			src[i] = float32(g[i])
		}
		n := len(b)
		dst := make([]float32, n)
		EDTEnvelope(dst, 1, src, 1, n, s, false, &EDTScratch{})
		for q, w := range bruteEnvelope(g, s) {
			got := float64(dst[q])
			if math.IsInf(w, 1) != math.IsInf(got, 1) || math.Abs(got-w) > 2e-7*w {
				t.Fatalf("q %d = %v, want %v", q, got, w)
			}
		}
	})
}

// edtLine returns a random line of n squared distances: zeros, +Inf, small
// integers, and with wide the fractions and large values non-unit
// spacings and deep volumes give.
func edtLine(r *rand.Rand, n int, wide bool) []float32 {
	g := make([]float32, n)
	for i := range g {
		switch x := r.IntN(12); {
		case x < 3:
			g[i] = 0
		case x < 4:
			g[i] = float32(math.Inf(1))
		case wide && x < 7:
			g[i] = float32(r.ExpFloat64() * math.Pow(10, float64(r.IntN(40)-10)))
		default:
			g[i] = float32(r.IntN(2000))
		}
	}
	if r.IntN(4) == 0 { // long runs without a zero
		for i := range g {
			if g[i] == 0 {
				g[i] = float32(1 + r.IntN(50))
			}
		}
	}
	return g
}

// TestEDTEnvelopeBits: EDTEnvelope gives, bit for bit, what it gave before
// its runs and output marks (refEnvelope), at every length up to 300 and
// strides 1 to 3, in place and not, with unit and other spacings.
func TestEDTEnvelopeBits(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	sc := &EDTScratch{}
	for n := 1; n <= 300; n++ {
		for trial := 0; trial < 6; trial++ {
			s := []float64{1, 1, 0.7, 2.5, 1.3, 0.0625}[trial]
			stride := 1 + r.IntN(3)
			g := edtLine(r, n, trial >= 2)
			src := make([]float32, n*stride)
			for i, v := range g {
				src[i*stride] = v
			}
			for _, sqrt := range []bool{false, true} {
				want := make([]float32, len(src))
				refEnvelope(want, stride, src, stride, n, s, sqrt, make([]int32, n), make([]float64, n), make([]float64, n+1))
				got := make([]float32, len(src))
				EDTEnvelope(got, stride, src, stride, n, s, sqrt, sc)
				inpl := append([]float32(nil), src...)
				EDTEnvelope(inpl, stride, inpl, stride, n, s, sqrt, sc)
				for q := 0; q < n; q++ {
					w := math.Float32bits(want[q*stride])
					if math.Float32bits(got[q*stride]) != w || math.Float32bits(inpl[q*stride]) != w {
						t.Fatalf("n %d s %v stride %d sqrt %v: q %d = %v (in place %v), want %v (line %v)", n, s, stride, sqrt, q, got[q*stride], inpl[q*stride], want[q*stride], g)
					}
				}
			}
		}
	}
}

// TestEDTEnvelopeRun: each run of nonzero values of a line, transformed
// alone, gives the full line's values there, reads neither of its zero
// ends (garbage there changes nothing) and writes nothing outside it; bad
// bounds do nothing.
func TestEDTEnvelopeRun(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	sc := &EDTScratch{}
	for n := 1; n <= 200; n++ {
		for trial := 0; trial < 4; trial++ {
			s := []float64{1, 0.7, 2.5, 1}[trial]
			stride := 1 + r.IntN(3)
			g := edtLine(r, n, trial == 1)
			src := make([]float32, n*stride+2)
			for i := range src {
				src[i] = guard
			}
			for i, v := range g {
				src[1+i*stride] = v
			}
			full := make([]float32, len(src))
			EDTEnvelope(full[1:], stride, src[1:], stride, n, s, true, sc)
			for q := 0; q < n; {
				if g[q] == 0 {
					q++
					continue
				}
				e := q
				for e < n && g[e] != 0 {
					e++
				}
				in := append([]float32(nil), src...)
				if q > 0 {
					in[1+(q-1)*stride] = 7 // the zero ends are taken as zeros
				}
				if e < n {
					in[1+e*stride] = float32(math.NaN())
				}
				dst := make([]float32, len(src))
				for i := range dst {
					dst[i] = guard
				}
				EDTEnvelopeRun(dst[1:], stride, in[1:], stride, n, q, e, s, true, sc)
				for i := range dst {
					j := i - 1
					if j >= 0 && j%stride == 0 && j/stride >= q && j/stride < e {
						if math.Float32bits(dst[i]) != math.Float32bits(full[i]) {
							t.Fatalf("n %d run [%d, %d): q %d = %v, want %v (line %v)", n, q, e, j/stride, dst[i], full[i], g)
						}
					} else if dst[i] != guard {
						t.Fatalf("n %d run [%d, %d): wrote %v at %d", n, q, e, dst[i], i)
					}
				}
				q = e
			}
			for _, b := range [][2]int{{-1, 1}, {0, n + 1}, {3, 3}, {5, 2}} {
				dst := []float32{guard}
				EDTEnvelopeRun(dst, 1, src, 1, n, b[0], b[1], s, false, sc)
				if dst[0] != guard {
					t.Fatalf("bounds %v wrote", b)
				}
			}
		}
	}
}
