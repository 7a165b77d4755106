package distance

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
)

// linePasses is the transform without tiles, run-finding from the mask or
// skipped rows: the first pass, then every strided axis's lines one at a
// time, through kernels.EDTEnvelope in place, or where the active tier
// scans (kernels.HasEDTScan) through a tile of that one line in
// kernels.EDTScan, and the envelope when the scan leaves it.
func linePasses(dst []float32, mask []uint8, shape []int, sp []float64, squared bool, stop int) {
	rank := len(shape)
	last := shape[rank-1]
	sq := make([]float32, last)
	kernels.EDTSquares(sq, sp[rank-1])
	for l := 0; l < len(mask)/last; l++ {
		kernels.EDTBinaryLine(dst[l*last:(l+1)*last], mask[l*last:(l+1)*last], sq)
	}
	if rank == 1 {
		if !squared && stop < 0 {
			for i, v := range dst {
				dst[i] = float32(math.Sqrt(float64(v)))
			}
		}
		return
	}
	sc := &kernels.EDTScratch{}
	stride := last
	const R = kernels.EDTScanReach
	sqs := make([]float32, R+2)
	var src, out []float32
	for a := rank - 2; a > stop; a-- {
		na := shape[a]
		sqrt := a == 0 && !squared
		kernels.EDTSquares(sqs, sp[a])
		for o := 0; o < len(mask)/(stride*na); o++ {
			for i := 0; i < stride; i++ {
				line := dst[o*stride*na+i:]
				if !kernels.HasEDTScan() {
					kernels.EDTEnvelope(line, stride, line, stride, na, sp[a], sqrt, sc)
					continue
				}
				src, out = grow(src, na+2*R), grow(out, na)
				for q := range src {
					src[q] = float32(math.Inf(1))
					if q >= R && q < R+na {
						src[q] = line[(q-R)*stride]
					}
				}
				far, err := kernels.EDTScan(out, src, sqs, 1, 1, na, sqrt)
				if err != nil {
					panic(err)
				}
				if far != 0 {
					kernels.EDTEnvelope(out, 1, src[R:], 1, na, sp[a], sqrt, sc)
				}
				for q, v := range out {
					line[q*stride] = v
				}
			}
		}
		stride *= na
	}
}

// TestPassesLines: the tiled passes (runs found from the mask's bits, rows
// without an object voxel neither copied nor written; on the assembly
// tiers, the scan of tiles of lines and the envelope of the lines it
// leaves) give, bit for bit, the plain line-by-line transform, on every
// tier, for random shapes of rank 1 to 4
// (axes across 64 and the tile widths), densities, spacings (down to the
// smallest allowed), caps, partial (stopped before any axis) and squared transforms, and
// workers, with fresh scratch and with one reused across them.
func TestPassesLines(t *testing.T) {
	prev := kernels.Active()
	defer kernels.Use(prev)
	for _, name := range kernels.Available() {
		if err := kernels.Use(name); err != nil {
			t.Fatal(err)
		}
		t.Run(name, testPassesLines)
	}
}

func testPassesLines(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var shared passScratch
	trials := 300
	if testing.Short() { // qemu
		trials = 100
	}
	for trial := 0; trial < trials; trial++ {
		rank := 1 + r.IntN(4)
		shape := make([]int, rank)
		n := 1
		for a := range shape {
			shape[a] = 1 + r.IntN([]int{4, 9, 70, 140}[r.IntN(4)])
			if n*shape[a] > 300000 {
				shape[a] = 1
			}
			n *= shape[a]
		}
		sp := make([]float64, rank)
		for a := range sp {
			sp[a] = []float64{1, 1, 0.7, 2.5, 0x1p-63, 3}[r.IntN(6)]
		}
		mask := make([]uint8, n)
		p := []float64{0, 0.02, 0.5, 0.9, 0.995, 1}[r.IntN(6)]
		for i := range mask {
			if r.Float64() < p {
				mask[i] = uint8(1 + r.IntN(255))
			}
		}
		squared, stop := r.IntN(3) == 0, -1
		if r.IntN(3) == 0 {
			stop = r.IntN(rank)
		}
		want := make([]float32, n)
		linePasses(want, mask, shape, sp, squared, stop)
		for _, w := range []int{1, 3, 2} {
			got := make([]float32, n)
			for i := range got {
				got[i] = float32(math.NaN()) // no stale value survives
			}
			if w == 2 {
				// The scratch of earlier transforms of other shapes.
				shared.passes(got, mask, shape, sp, &Options{Workers: w}, squared, stop)
			} else {
				passes(got, mask, shape, sp, &Options{Workers: w}, squared, stop)
			}
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("trial %d shape %v sp %v p %v squared %v stop %d workers %d: voxel %d = %v, want %v", trial, shape, sp, p, squared, stop, w, i, got[i], want[i])
				}
			}
		}
	}
}

// TestPassesLongLines: lines longer than one scan call's rows (scanRows),
// whose tiles are scanned a few hundred rows a call, give the line-by-line
// transform bit for bit, on every tier, with lines near and far from the
// background.
func TestPassesLongLines(t *testing.T) {
	prev := kernels.Active()
	defer kernels.Use(prev)
	r := rand.New(rand.NewPCG(31, 32))
	for _, name := range kernels.Available() {
		if err := kernels.Use(name); err != nil {
			t.Fatal(err)
		}
		for _, shape := range [][]int{{2*scanRows + 77, 70}, {3, scanRows + 190, 9}} {
			n := 1
			for _, d := range shape {
				n *= d
			}
			for _, p := range []float64{0.5, 0.995} {
				for _, s := range []float64{1, 0.7} {
					mask := make([]uint8, n)
					for i := range mask {
						if r.Float64() < p {
							mask[i] = 1
						}
					}
					sp := make([]float64, len(shape))
					for a := range sp {
						sp[a] = s
					}
					want, got := make([]float32, n), make([]float32, n)
					linePasses(want, mask, shape, sp, false, -1)
					passes(got, mask, shape, sp, &Options{Workers: 2}, false, -1)
					for i := range got {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s shape %v p %v s %v: voxel %d = %v, want %v", name, shape, p, s, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
