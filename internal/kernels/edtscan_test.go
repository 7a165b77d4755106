package kernels

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// scanTile is a tile of EDTScan: src with its rows of +Inf above and below,
// at a pitch of lanes+gap, starting off elements into its buffer.
type scanTile struct {
	lanes, rows, pitch int
	src                []float32
	buf                []float32
}

const scanGuard = float32(-7.25)

// newScanTile fills a tile with squared distances from vox(r, l); the
// buffer's elements outside the tile (the gaps between rows, the off
// elements before, some after) hold scanGuard.
func newScanTile(lanes, rows, gap, off int, vox func(r, l int) float32) *scanTile {
	const R = EDTScanReach
	pitch := lanes + gap
	n := (rows+2*R)*pitch + off + 5
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = scanGuard
	}
	src := buf[off : off+(rows+2*R)*pitch]
	inf := float32(math.Inf(1))
	for r := -R; r < rows+R; r++ {
		for l := 0; l < lanes; l++ {
			v := inf
			if r >= 0 && r < rows {
				v = vox(r, l)
			}
			src[(r+R)*pitch+l] = v
		}
	}
	return &scanTile{lanes, rows, pitch, src, buf}
}

// scanDst is a guarded output buffer for a tile: returns the slice and a
// check that no element outside the tile's lanes was written.
func scanDst(t *testing.T, tl *scanTile, off int) ([]float32, func()) {
	n := 0
	if tl.rows > 0 {
		n = (tl.rows-1)*tl.pitch + tl.lanes
	}
	buf := make([]float32, off+n+9)
	for i := range buf {
		buf[i] = scanGuard
	}
	dst := buf[off : off+n]
	return dst, func() {
		t.Helper()
		for i, v := range buf {
			j := i - off
			inside := j >= 0 && j < n && j%tl.pitch < tl.lanes
			if !inside && v != scanGuard {
				t.Fatalf("element %d outside the tile written: %v", j, v)
			}
		}
	}
}

// scanSquares is the table of squares of spacing s, as long as the scan
// needs.
func scanSquares(s float64) []float32 {
	sq := make([]float32, EDTScanReach+2)
	EDTSquares(sq, s)
	return sq
}

// randScanVox returns voxels of squared distances: zeros with probability
// pz, else small integers, fractions, or (rarely) +Inf or large values.
func randScanVox(r *rand.Rand, pz float64) func(int, int) float32 {
	return func(int, int) float32 {
		u := r.Float64()
		switch {
		case u < pz:
			return 0
		case u < pz+0.01:
			return float32(math.Inf(1))
		case u < pz+0.03:
			return float32(r.IntN(40000))
		case u < pz+0.2:
			return r.Float32() * 300
		}
		return float32(r.IntN(300))
	}
}

// deepVox keeps the zeros of vox and makes every other voxel deep inside
// an object: its background farther than the reach.
func deepVox(r *rand.Rand, vox func(int, int) float32) func(int, int) float32 {
	return func(a, b int) float32 {
		if v := vox(a, b); v == 0 {
			return 0
		}
		return float32(20000 + r.IntN(50000))
	}
}

// TestEDTScanDefinition: the generic scan against its definition, the
// minimum over the whole line (float32 sums), wherever it reports success,
// and at unit spacing on integers (the squared distances of a unit grid)
// against the envelope bit for bit; a tile whose
// background is farther than the reach reports failure.
func TestEDTScanDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	trials := 300
	if testing.Short() { // qemu
		trials = 100
	}
	passed := 0
	defer func() {
		if passed < trials/6 || passed > 2*trials-trials/6 {
			t.Errorf("%d of %d scans had every lane in reach: the trials do not cover both outcomes", passed, 2*trials)
		}
	}()
	for trial := 0; trial < trials; trial++ {
		lanes, rows := 1+r.IntN(9), r.IntN(2*EDTScanReach+40)
		s := []float64{1, 1, 0.7, 2.5}[trial%4]
		pz := []float64{0.5, 0.1, 0.02, 0.005}[trial/4%4]
		vox := randScanVox(r, pz)
		if trial%2 == 1 { // integers only
			vox = func(a, b int) float32 { return float32(math.Round(float64(randScanVox(r, pz)(a, b)))) }
		}
		if trial/16%2 == 1 {
			vox = deepVox(r, vox)
		}
		tl := newScanTile(lanes, rows, trial%3, trial%5, vox)
		sq := make([]float32, rows+2*EDTScanReach+2)
		EDTSquares(sq, s)
		for _, sqrt := range []bool{false, true} {
			dst, check := scanDst(t, tl, trial%7)
			far, err := EDTScan(dst, tl.src, sq, tl.pitch, lanes, rows, sqrt)
			if err != nil {
				t.Fatal(err)
			}
			check()
			var wantFar uint64
			for l := 0; l < lanes; l++ {
				line := make([]float32, rows)
				for q := range line {
					line[q] = tl.src[(q+EDTScanReach)*tl.pitch+l]
				}
				env := make([]float32, rows)
				EDTEnvelope(env, 1, line, 1, rows, s, sqrt, &EDTScratch{})
				exact := s == 1 // and integers: every sum exact
				for _, v := range line {
					exact = exact && (math.IsInf(float64(v), 1) || v == float32(math.Trunc(float64(v))))
				}
				for p := 0; p < rows; p++ {
					best, win := float32(math.Inf(1)), float32(math.Inf(1))
					for q, v := range line {
						k := max(p-q, q-p)
						best = min(best, v+sq[k])
						if k <= EDTScanReach {
							win = min(win, v+sq[k])
						}
					}
					if win > sq[EDTScanReach+1] {
						wantFar |= 1 << l
						continue
					}
					if win != best {
						t.Fatalf("trial %d lane %d row %d: window min %v, line min %v", trial, l, p, win, best)
					}
					if far>>l&1 != 0 {
						continue
					}
					if sqrt {
						best = float32(math.Sqrt(float64(best)))
					}
					if got := dst[p*tl.pitch+l]; got != best {
						t.Fatalf("trial %d (s %v sqrt %v) lane %d row %d: %v, want %v", trial, s, sqrt, l, p, got, best)
					}
					if exact && env[p] != best {
						t.Fatalf("trial %d lane %d row %d: envelope %v, scan %v", trial, l, p, env[p], best)
					}
				}
			}
			if far != wantFar {
				t.Fatalf("trial %d: lanes beyond the reach %b, want %b", trial, far, wantFar)
			}
			if far == 0 {
				passed++
			}
		}
	}
}

// TestEDTScanTiers: every assembly tier against the generic one, at every
// lane count up to three vectors of the widest tier plus a tail, row
// counts around the four-row blocks, gaps and unaligned starts, guards
// around the tile, and tiles that fail part way.
func TestEDTScanTiers(t *testing.T) {
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(13, 14))
		sq := scanSquares(1)
		sqs := scanSquares(0.35)
		fails := 0
		defer func() {
			if fails == 0 {
				t.Error("no tile failed: the trials do not reach the fallback")
			}
		}()
		for lanes := 0; lanes <= 64; lanes++ {
			if testing.Short() && lanes > 3*8 && lanes%8 != 0 && lanes%8 != 7 { // qemu: every tail below 3 vectors
				continue
			}
			rowCounts := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 30, 131, 300}
			if testing.Short() { // qemu
				rowCounts = rowCounts[:len(rowCounts)-1]
			}
			for _, rows := range rowCounts {
				for trial := 0; trial < 3; trial++ {
					pz := []float64{0.4, 0.03, 0.003}[trial]
					vox := randScanVox(r, pz)
					if trial == 2 && rows%2 == 1 {
						vox = deepVox(r, vox)
					}
					tl := newScanTile(lanes, rows, (lanes+trial)%4, (rows+trial)%3, vox)
					sqt := sq
					if trial == 1 {
						sqt = sqs
					}
					sqrt := (lanes+rows)%2 == 0
					want, _ := scanDst(t, tl, 0)
					wfar := edtScanGeneric(want, tl.src, sqt, tl.pitch, lanes, rows, sqrt)
					got, check := scanDst(t, tl, 1+trial)
					far, err := EDTScan(got, tl.src, sqt, tl.pitch, lanes, rows, sqrt)
					if err != nil {
						t.Fatal(err)
					}
					check()
					if far != wfar {
						t.Fatalf("lanes %d rows %d trial %d: lanes beyond the reach %b, generic %b", lanes, rows, trial, far, wfar)
					}
					if far != 0 {
						fails++
					}
					for i := range want {
						if l := i % tl.pitch; l < lanes && far>>l&1 == 0 && math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("lanes %d rows %d trial %d: element %d = %v, generic %v", lanes, rows, trial, i, got[i], want[i])
						}
					}
				}
			}
		}
	})
}

// TestEDTScanGuardPages: tiles whose src and dst end where an unreadable
// page begins.
func TestEDTScanGuardPages(t *testing.T) {
	if !haveGuardPages {
		t.Skip("guard pages need linux")
	}
	forTiers(t, func(t *testing.T, tr *tier) {
		r := rand.New(rand.NewPCG(15, 16))
		sq := guardF32(t, scanSquares(1))
		for _, lanes := range []int{8, 16, 24, 33, 64} {
			for _, rows := range []int{1, 4, 6, 200} {
				tl := newScanTile(lanes, rows, 0, 0, randScanVox(r, 0.3))
				src := guardF32(t, tl.src)
				dst := guardF32(t, make([]float32, (rows-1)*tl.pitch+lanes))
				want := make([]float32, len(dst))
				wfar := edtScanGeneric(want, tl.src, sq, tl.pitch, lanes, rows, false)
				far, err := EDTScan(dst, src, sq, tl.pitch, lanes, rows, false)
				if err != nil || far != wfar {
					t.Fatalf("lanes %d rows %d: %b %v, generic %b", lanes, rows, far, err, wfar)
				}
				for i := range dst {
					if far>>(i%tl.pitch)&1 == 0 && dst[i] != want[i] {
						t.Fatalf("lanes %d rows %d: element %d = %v, want %v", lanes, rows, i, dst[i], want[i])
					}
				}
			}
		}
	})
}

// TestEDTScanArgs: every argument that does not describe a tile inside
// its slices is refused, on every tier, having written nothing.
func TestEDTScanArgs(t *testing.T) {
	const R = EDTScanReach
	sq := scanSquares(1)
	src := make([]float32, (4+2*R)*16)
	dst := make([]float32, 3*16+16)
	for _, name := range Available() {
		if err := Use(name); err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct {
			dst, src, sq       []float32
			pitch, lanes, rows int
		}{
			{dst, src, sq[:R+1], 16, 16, 4},
			{dst, src[:len(src)-1], sq, 16, 16, 4},
			{dst[:len(dst)-1], src, sq, 16, 16, 4},
			{dst, src, sq, 15, 16, 4},
			{dst, src, sq, 16, -1, 4},
			{dst, src, sq, 16, 16, -1},
			{dst, src, sq, 16, 16, 5},
			{dst, src, sq, 1 << 62, 16, 4},
			{dst, src, sq, 16, 16, math.MaxInt},
			{dst, src, sq, math.MaxInt, 1, 1},
			{make([]float32, 1000), make([]float32, 1000*(2*R+1)), sq, 72, 72, 1},
		} {
			far, err := EDTScan(c.dst, c.src, c.sq, c.pitch, c.lanes, c.rows, false)
			if far != 0 || !errors.Is(err, ErrArg) {
				t.Fatalf("%s case %d: %v %v, want ErrArg", name, i, far, err)
			}
			for _, v := range dst {
				if v != 0 {
					t.Fatalf("%s case %d wrote dst", name, i)
				}
			}
		}
		if far, err := EDTScan(dst, src, sq, 16, 16, 4, false); far != 0 || err != nil {
			t.Fatalf("%s: the valid call gave %v %v", name, far, err)
		}
		if far, err := EDTScan(nil, nil, sq, 0, 0, 0, false); far != 0 || err != nil {
			t.Fatalf("%s: the empty call gave %v %v", name, far, err)
		}
	}
	if err := Use(tiers[0].name); err != nil {
		t.Fatal(err)
	}
}

// FuzzEDTScan compares every tier's scan with the generic one on tiles
// drawn from the input: lanes and rows from the first bytes, voxels from
// the rest (255: +Inf, 254: a large value, else the byte's square).
func FuzzEDTScan(f *testing.F) {
	f.Add([]byte{17, 9, 0, 3, 9, 255, 1, 0, 254, 2, 2})
	f.Add([]byte{8, 140, 1, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 3 {
			return
		}
		lanes, rows, gap := int(b[0]%41), int(b[1]%100), int(b[2]%3)
		data := b[3:]
		i := 0
		tl := newScanTile(lanes, rows, gap, int(b[2]%5), func(int, int) float32 {
			if len(data) == 0 {
				return 0
			}
			v := data[i%len(data)]
			i++
			switch v {
			case 255:
				return float32(math.Inf(1))
			case 254:
				return 1e6
			}
			return float32(v) * float32(v) / float32(1+i%3)
		})
		sq := scanSquares([]float64{1, 0.6, 1.7}[b[2]%3])
		sqrt := b[0]&0x80 != 0
		want, _ := scanDst(t, tl, 0)
		wfar := edtScanGeneric(want, tl.src, sq, tl.pitch, lanes, rows, sqrt)
		for _, tr := range tiers {
			if err := Use(tr.name); err != nil {
				t.Fatal(err)
			}
			got, check := scanDst(t, tl, 2)
			far, err := EDTScan(got, tl.src, sq, tl.pitch, lanes, rows, sqrt)
			if err != nil || far != wfar {
				t.Fatalf("%s: %b %v, generic %b", tr.name, far, err, wfar)
			}
			check()
			for j := range want {
				if l := j % tl.pitch; l < lanes && far>>l&1 == 0 && math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("%s: element %d = %v, generic %v", tr.name, j, got[j], want[j])
				}
			}
		}
		if err := Use(tiers[0].name); err != nil {
			t.Fatal(err)
		}
	})
}
