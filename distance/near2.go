package distance

import (
	"math"

	"github.com/segloss/segloss/internal/kernels"
)

// The weight map's nearest two instances, in one separable transform of
// the whole image instead of one per instance.
//
// Per voxel and per axis pass the transform keeps the squared distance to
// the nearest instance (v1, with its id l1) and to the nearest instance
// other than l1 (v2), over the axes done so far. That is exact from pass to
// pass: after the pass along axis a, the distance of p to an instance L is
// min over t of (t-p)²·s² + G_L(t), G_L the distance before the pass, so
// the nearest id at p is the lower envelope of the v1(t) parabolas, and the
// nearest other than a given id k is the envelope of the parabolas of
// c_k(t) = v1(t) where l1(t) != k, v2(t) where l1(t) = k (v2(t) is then the
// best id other than k at t). The second envelope is computed per run of
// voxels of one nearest id k, over the sites within the reach of the run
// (or by a scan outward from each voxel within the reach, while those
// scans stay short): a distance up to the reach comes only from those
// sites, so every v2 up to the reach is exact and a larger one is at least
// the true distance. A value beyond the reach is dropped (+Inf): it cannot
// give a distance up to the reach later. The second id itself is never
// needed: c_k reads l1 only.
//
// The first pass runs along axis 0, a sweep down and one up over the rows
// that keep per column the last two distinct ids seen. The middle axes'
// passes run on groups of lineGroup lines gathered side by side (one cache
// line of each array per step). The last pass, along the rows, computes
// only what the weights read: at each voxel that needs them (a background
// voxel, or any with AllPixels), d1 and then d2 by a scan outward from the
// voxel, which stops where the step alone is no better than the best so
// far: a few reads in a gap between instances. On the assembly tiers the
// scans run eight voxels of a row at once (kernels.NearScan1 and
// NearScan2, lastScans), to the end, which the reach bounds; on the
// generic tier, where the scans grow long (open background) an envelope
// takes over, for the row's d1 or for the rest of a run's d2.

// lineGroup is how many lines of a strided pass are gathered at a time.
const lineGroup = 16

// near2 is the scratch of one worker's lines.
type near2 struct {
	f1, f2, o1, o2 []float32 // lines' v1 and v2, in and out
	g1, h1         []int32   // lines' l1, in and out
	sp             []int32   // envelope sites, positions
	sf             []float64 // their values
	sl             []int32   // their ids
	env            []int32   // the envelope's sites
	z              []float64 // its breakpoints

	// The last pass's rows padded for kernels.NearScan1 and NearScan2
	// (+Inf in pf1 and pf2 around the row), and the limits of its d2.
	pf1, pf2, lim2 []float32
	pg1            []int32
}

// newNear2 returns the scratch of lines lines of l voxels.
func newNear2(l, lines int) *near2 {
	g := linePitch(l) * lines
	return &near2{
		f1: make([]float32, g), f2: make([]float32, g), o1: make([]float32, g), o2: make([]float32, g),
		g1: make([]int32, g), h1: make([]int32, g),
		sp: make([]int32, l), sf: make([]float64, l), sl: make([]int32, l),
		env: make([]int32, l), z: make([]float64, l+1),
	}
}

// linePitch is the distance between gathered lines of l voxels: l padded
// so that the lineGroup lines do not fall in the same cache sets (l a
// multiple of 1024 would put them all in one).
func linePitch(l int) int { return l + 16 }

// stepSquares returns the squared distances of 0 to l-1 steps of s (as
// the transforms take them, kernels.EDTSquares), +Inf beyond capSq.
func stepSquares(l int, s, capSq float64) []float32 {
	t := make([]float32, l)
	kernels.EDTSquares(t, s)
	for r, v := range t {
		if float64(v) > capSq {
			t[r] = float32(math.Inf(1))
		}
	}
	return t
}

// nearestTwo writes into d1 and d2 the squared distances of every voxel to
// its nearest and second-nearest instance of inst (ids > 0): both exact
// where d2 <= reach², d2 = +Inf where the second is beyond the reach or
// there is none, and, with two axes or more, +Inf too where the last pass
// does not need it (an object voxel unless all is set, or d1 beyond a
// quarter of reach², so that d1 + d2 exceeds the reach).
func nearestTwo(d1, d2 []float32, inst []int32, shape []int, sp []float64, reach float64, all bool, opt *Options) {
	n := len(d1)
	// The cap, with room for the float32 roundings of the values.
	capSq := reach * reach * (1 + 0x1p-20)
	l1 := make([]int32, n)
	rank := len(shape)
	sweep0(d1, l1, d2, inst, shape[0], n/shape[0], stepSquares(shape[0], sp[0], capSq), opt)
	if rank == 1 {
		return
	}
	strides := make([]int, rank)
	st := 1
	for a := rank - 1; a >= 0; a-- {
		strides[a] = st
		st *= shape[a]
	}
	for a := 1; a < rank; a++ {
		l, s := shape[a], strides[a]
		// The window: sites farther than the reach along this axis add
		// more than capSq.
		rw := l - 1
		if r := math.Sqrt(capSq) / sp[a]; r < float64(l) {
			rw = int(r)
		}
		p := &nearPass{v1: d1, l1: l1, v2: d2, inst: inst, l: l, s: s, s2: sp[a] * sp[a], capSq: capSq, reach: reach, rw: rw, all: all}
		p.dsq = stepSquares(rw+1, sp[a], capSq)
		var units, lines int
		var run func(ln *near2, u int)
		if a == rank-1 {
			// The last pass, along rows: contiguous, one row a unit.
			units, lines = n/l, 1
			run = func(ln *near2, u int) { p.last(ln, u*l) }
		} else {
			// Groups of up to lineGroup lines side by side.
			groups := (s + lineGroup - 1) / lineGroup
			units, lines = n/(l*s)*groups, lineGroup
			run = func(ln *near2, u int) {
				outer, g := u/groups, u%groups
				i0 := g * lineGroup
				p.group(ln, outer*l*s+i0, min(lineGroup, s-i0))
			}
		}
		wk := opt.workers(units)
		scratch := make([]*near2, wk)
		parallelChunks(units, wk, max(1, 1024/l), func(lo, hi, k int) {
			if scratch[k] == nil {
				scratch[k] = newNear2(l, lines)
			}
			for u := lo; u < hi; u++ {
				run(scratch[k], u)
			}
		})
	}
}

// sweep0 is the pass along axis 0 (h voxels, each column's st apart; sq
// the squared distances of 0 to h-1 steps, +Inf beyond the cap): a sweep
// down and one up over the rows, keeping per column the last two distinct
// ids seen and where.
func sweep0(v1 []float32, l1 []int32, v2 []float32, inst []int32, h, st int, sq []float32, opt *Options) {
	inf := float32(math.Inf(1))
	parallel(st, opt.workers(max(1, st/256)), func(lo, hi, _ int) {
		m := hi - lo
		ap, bp := make([]int32, m), make([]int32, m)
		al, bl := make([]int32, m), make([]int32, m)
		for r := 0; r < h; r++ {
			i := r*st + lo
			row := inst[i : i+m]
			o1, ol, o2 := v1[i:i+m], l1[i:i+m], v2[i:i+m]
			ap, bp, al, bl := ap[:m], bp[:m], al[:m], bl[:m]
			for c, id := range row {
				if id != 0 {
					seen(al, ap, bl, bp, c, id, r)
				}
				a := al[c]
				o1[c], ol[c], o2[c] = inf, a, inf
				if a != 0 {
					o1[c] = sq[r-int(ap[c])]
					if bl[c] != 0 {
						o2[c] = sq[r-int(bp[c])]
					}
				}
			}
		}
		clear(al)
		clear(bl)
		for r := h - 1; r >= 0; r-- {
			i := r*st + lo
			row := inst[i : i+m]
			o1, ol, o2 := v1[i:i+m], l1[i:i+m], v2[i:i+m]
			ap, bp, al, bl := ap[:m], bp[:m], al[:m], bl[:m]
			for c, id := range row {
				if id != 0 {
					seen(al, ap, bl, bp, c, id, r)
				}
				a := al[c]
				if a == 0 {
					continue
				}
				// Merge the two from below (b1, b2) into the two from
				// above (a1, a2); the ids of a2 and b2 differ from a1's
				// and b1's.
				b1, b2 := sq[int(ap[c])-r], inf
				if bl[c] != 0 {
					b2 = sq[int(bp[c])-r]
				}
				a1, a2 := o1[c], o2[c]
				switch {
				case ol[c] == a:
					o1[c], o2[c] = min(a1, b1), min(a2, b2)
				case a1 <= b1:
					o2[c] = min(a2, b1)
				default:
					o1[c], ol[c], o2[c] = b1, a, min(b2, a1)
				}
			}
		}
	})
}

// seen records id (not 0) at row r of column c in the column's last two
// distinct ids (a: al, ap; b, the last other than a: bl, bp).
func seen(al, ap, bl, bp []int32, c int, id int32, r int) {
	if a := al[c]; id != a {
		bl[c], bp[c] = a, ap[c]
		al[c] = id
	}
	ap[c] = int32(r)
}

// last is the pass along the last axis, on the row of l voxels at base:
// at each voxel whose weight needs them, d1 by a scan outward from it (to
// where the step alone is no better than the best so far, or than half the
// reach), then d2, the nearest other than d1's id, the same way (to the
// reach less d1); envelopes where the scans grow long. Elsewhere d2 is
// +Inf.
func (p *nearPass) last(ln *near2, base int) {
	inf := float32(math.Inf(1))
	l, s2, capSq := p.l, p.s2, p.capSq
	v1, l1, v2, in := p.v1[base:base+l], p.l1[base:base+l], p.v2[base:base+l], p.inst[base:base+l]
	f1, g1, f2 := ln.f1[:l], ln.g1[:l], ln.f2[:l]
	o1, h1, o2 := ln.o1[:l], ln.h1[:l], ln.o2[:l]
	bg := 0
	for _, id := range in {
		if id == 0 {
			bg++
		}
	}
	if bg == 0 && !p.all {
		for y := range v2 {
			v2[y] = inf
		}
		return
	}
	if kernels.HasNearScan() && p.rw <= nearScanReach && p.lastScans(ln, v1, l1, v2, in, o1, h1, o2) {
		return
	}
	copy(f1, v1)
	copy(g1, l1)
	copy(f2, v2)
	// d1 and its id: a scan outward from each voxel (to where the step
	// alone is no better than the best so far, or than half the reach),
	// or, once those scans have read 6l voxels, the envelope of the row.
	// The scans compare the bits of the float32 values (>= 0 or +Inf, so
	// their bits order as they do), which compiles without branches.
	lim1 := float32(capSq / 4)
	ulim1 := math.Float32bits(lim1)
	work, fh := 0, false
	for y, id := range in {
		if id != 0 {
			o1[y], h1[y] = 0, id
			continue
		}
		if work > 6*l {
			fh = true
			break
		}
		best, k := math.Float32bits(inf), int32(0)
		dd := 0
		for ; dd < len(p.dsq); dd++ {
			ds := p.dsq[dd]
			if u := math.Float32bits(ds); u >= best || u > ulim1 {
				break
			}
			if t := y - dd; t >= 0 {
				if u := math.Float32bits(f1[t] + ds); u < best {
					best, k = u, g1[t]
				}
			}
			if t := y + dd; dd > 0 && t < l {
				if u := math.Float32bits(f1[t] + ds); u < best {
					best, k = u, g1[t]
				}
			}
		}
		work += dd + 1
		o1[y], h1[y] = math.Float32frombits(best), k
	}
	if fh {
		m := 0
		for t, v := range f1 {
			if v != inf {
				ln.sp[m], ln.sf[m], ln.sl[m] = int32(t), float64(v), g1[t]
				m++
			}
		}
		if m == 0 {
			for y := range v2 {
				v2[y] = inf
			}
			return
		}
		ln.envelope(m, s2, capSq, 0, l, o1, h1)
	}
	// The voxels that need d2 keep their id in h1, the others 0: a
	// background voxel (any with all) within half the reach of its
	// nearest.
	for y, id := range in {
		if (id != 0 && !p.all) || !(o1[y] <= lim1) {
			h1[y] = 0
		}
	}
	p.second(ln, f1, g1, f2, h1, o1, o2)
	for y, k := range h1 {
		v2[y] = inf
		if k != 0 {
			v1[y], v2[y] = o1[y], o2[y]
		}
	}
}

// nearScanReach is the longest window (in voxels each side) that the last
// pass scans eight voxels at a time: a scan reads up to its window in open
// background, so a wider one (sigma above about 20 voxels) takes the scalar
// scans, which the envelopes cut short.
const nearScanReach = 128

// lastScans is last on the tiers that scan eight voxels at once
// (kernels.NearScan1 and NearScan2): d1 and its id, then d2 at the voxels
// that need it, each by the scan outward from every voxel, with no
// envelope for long scans (the reach bounds them: half of it for d1, all
// of it for d2). The results are last's, but for the roundings of its
// envelopes away from unit spacing. It reports false, having changed
// nothing of the image, if a scan refuses its arguments (not reached: the
// rows are sized here).
func (p *nearPass) lastScans(ln *near2, v1 []float32, l1 []int32, v2 []float32, in []int32, o1 []float32, h1 []int32, o2 []float32) bool {
	inf := float32(math.Inf(1))
	l, pad := p.l, len(p.dsq)-1
	if m := l + 2*pad + 7; len(ln.pf1) != m {
		ln.pf1, ln.pf2, ln.pg1, ln.lim2 = make([]float32, m), make([]float32, m), make([]int32, m), make([]float32, l)
		for i := range ln.pf1 {
			ln.pf1[i], ln.pf2[i] = inf, inf
		}
	}
	copy(ln.pf1[pad:pad+l], v1)
	copy(ln.pg1[pad:pad+l], l1)
	copy(ln.pf2[pad:pad+l], v2)
	lim1 := float32(p.capSq / 4)
	lim2 := ln.lim2
	if kernels.NearScan1(o1, h1, ln.pf1, ln.pg1, p.dsq, pad, l, lim1) != nil {
		return false
	}
	// The voxels that need d2 keep their id in h1 and their limit in lim2
	// (the others 0 and -1): a background voxel (any with all) within half
	// the reach of its nearest.
	for y, id := range in {
		if (id != 0 && !p.all) || !(o1[y] <= lim1) {
			h1[y], lim2[y] = 0, -1
			continue
		}
		lim2[y] = float32(p.lim(o1, y))
	}
	if kernels.NearScan2(o2, ln.pf1, ln.pg1, ln.pf2, h1, lim2, p.dsq, pad, l) != nil {
		return false
	}
	for y, k := range h1 {
		v2[y] = inf
		if k != 0 {
			v1[y], v2[y] = o1[y], o2[y]
		}
	}
	return true
}

// lim is the largest second distance that voxel y needs: the cap, or,
// given its d1 in o1 (the last pass), the largest that keeps d1 + d2
// within the reach (with room for roundings).
func (p *nearPass) lim(o1 []float32, y int) float64 {
	if o1 == nil {
		return p.capSq
	}
	r := math.Max(0, p.reach-math.Sqrt(float64(o1[y]))) + p.reach*0x1p-20
	return min(p.capSq, r*r)
}

// second writes into o2, at each voxel y of a line whose nearest id h1[y]
// is not 0, the nearest other than it (the parabolas of c_k: f2 where g1
// is k, f1 elsewhere), +Inf above p.lim(o1, y), and +Inf where h1 is 0: per run
// of one id, a scan outward from each voxel to where the step alone is no
// better than the best so far (or than lim), until a scan's length says
// that the envelope over the rest of the run's window costs less. The
// scans compare the bits of the float32 values (>= 0 or +Inf, so their
// bits order as they do), which compiles without branches.
func (p *nearPass) second(ln *near2, f1 []float32, g1 []int32, f2 []float32, h1 []int32, o1, o2 []float32) {
	inf := float32(math.Inf(1))
	l := len(f1)
	for x := 0; x < l; {
		k := h1[x]
		if k == 0 {
			o2[x] = inf
			x++
			continue
		}
		q := x + 1
		for q < l && h1[q] == k {
			q++
		}
		for y := x; y < q; y++ {
			ulm := math.Float32bits(float32(p.lim(o1, y)))
			b2 := math.Float32bits(inf)
			dd := 0
			for ; dd < len(p.dsq); dd++ {
				ds := p.dsq[dd]
				if u := math.Float32bits(ds); u >= b2 || u > ulm {
					break
				}
				if t := y - dd; t >= 0 {
					c := f1[t]
					if g1[t] == k {
						c = f2[t]
					}
					b2 = min(b2, math.Float32bits(c+ds))
				}
				if t := y + dd; dd > 0 && t < l {
					c := f1[t]
					if g1[t] == k {
						c = f2[t]
					}
					b2 = min(b2, math.Float32bits(c+ds))
				}
			}
			o2[y] = inf
			if b2 <= ulm {
				o2[y] = math.Float32frombits(b2)
			}
			if rest := q - y - 1; dd*rest > 2*(rest+2*p.rw) {
				p.runEnvelope(ln, f1, g1, f2, o1, o2, k, y+1, q)
				break
			}
		}
		x = q
	}
}

// nearPass is one strided pass: lines of l voxels s apart.
type nearPass struct {
	v1, v2    []float32
	l1, inst  []int32
	l, s, rw  int
	s2, capSq float64
	reach     float64
	dsq       []float32 // the squared distances of 0 to rw steps
	all       bool
}

// runEnvelope writes into o2[y], y in [xa, xb), the envelope of the
// parabolas of c_k (f2 where g1 is k, f1 elsewhere) over the window of
// the voxels, +Inf above p.lim(o1, y).
func (p *nearPass) runEnvelope(ln *near2, f1 []float32, g1 []int32, f2, o1, o2 []float32, k int32, xa, xb int) {
	inf := float32(math.Inf(1))
	m := 0
	for t := max(0, xa-p.rw); t < min(len(f1), xb+p.rw); t++ {
		c := f1[t]
		if g1[t] == k {
			c = f2[t]
		}
		if c != inf {
			ln.sp[m], ln.sf[m] = int32(t), float64(c)
			m++
		}
	}
	for y := xa; y < xb; y++ {
		o2[y] = inf
	}
	if m > 0 {
		ln.envelope(m, p.s2, p.capSq, xa, xb, o2, nil)
	}
	for y := xa; y < xb; y++ {
		if float64(o2[y]) > p.lim(o1, y) {
			o2[y] = inf
		}
	}
}

// group runs the pass on the m lines (m <= lineGroup) that start at base,
// base+1, ..., gathered side by side.
func (p *nearPass) group(ln *near2, base, m int) {
	l, s := p.l, p.s
	lp := linePitch(l)
	for t := 0; t < l; t++ {
		i := base + t*s
		v1, l1, v2 := p.v1[i:i+m], p.l1[i:i+m], p.v2[i:i+m]
		for j := range v1 {
			ln.f1[j*lp+t], ln.g1[j*lp+t], ln.f2[j*lp+t] = v1[j], l1[j], v2[j]
		}
	}
	for j := 0; j < m; j++ {
		o := j * lp
		p.line(ln, ln.f1[o:o+l], ln.g1[o:o+l], ln.f2[o:o+l], ln.o1[o:o+l], ln.h1[o:o+l], ln.o2[o:o+l])
	}
	for t := 0; t < l; t++ {
		i := base + t*s
		v1, l1, v2 := p.v1[i:i+m], p.l1[i:i+m], p.v2[i:i+m]
		for j := range v1 {
			v1[j], l1[j], v2[j] = ln.o1[j*lp+t], ln.h1[j*lp+t], ln.o2[j*lp+t]
		}
	}
}

// line is the pass on one gathered line of a middle axis: the nearest
// id's envelope, then the second (second) at every voxel, up to the cap.
func (p *nearPass) line(ln *near2, f1 []float32, g1 []int32, f2 []float32, o1 []float32, h1 []int32, o2 []float32) {
	inf := float32(math.Inf(1))
	l, s2, capSq := len(f1), p.s2, p.capSq
	m := 0
	for t, v := range f1 {
		if v != inf {
			ln.sp[m], ln.sf[m], ln.sl[m] = int32(t), float64(v), g1[t]
			m++
		}
	}
	if m == 0 {
		// All +Inf, and it stays so.
		for t := range o1 {
			o1[t], h1[t], o2[t] = inf, 0, inf
		}
		return
	}
	ln.envelope(m, s2, capSq, 0, l, o1, h1)
	p.second(ln, f1, g1, f2, h1, nil, o2)
}

// envelope writes into out[x] (x in [xa, xb)) the lower envelope of the m
// parabolas s2·(x - sp[k])² + sf[k] (Felzenszwalb and Huttenlocher), +Inf
// above capSq, and into ids, if not nil, the id of its parabola (0 with
// +Inf).
func (ln *near2) envelope(m int, s2, capSq float64, xa, xb int, out []float32, ids []int32) {
	inf := float32(math.Inf(1))
	sp, sf, env, z := ln.sp, ln.sf, ln.env, ln.z
	k := 0
	env[0] = 0
	z[0] = math.Inf(-1)
	z[1] = math.Inf(1)
	for q := 1; q < m; q++ {
		tq := float64(sp[q])
		fq := sf[q] + s2*tq*tq
		var x float64
		for {
			r := env[k]
			tr := float64(sp[r])
			x = (fq - (sf[r] + s2*tr*tr)) / (2 * s2 * (tq - tr))
			// z[0] = -Inf ends the loop at k = 0 (x is finite).
			if x > z[k] || k == 0 {
				break
			}
			k--
		}
		k++
		env[k] = int32(q)
		z[k] = x
		z[k+1] = math.Inf(1)
	}
	k = 0
	for x := xa; x < xb; x++ {
		fx := float64(x)
		for z[k+1] < fx {
			k++
		}
		r := env[k]
		d := fx - float64(sp[r])
		v := sf[r] + s2*d*d
		out[x] = inf
		if v <= capSq {
			out[x] = float32(v)
		}
		if ids != nil {
			ids[x] = 0
			if v <= capSq {
				ids[x] = ln.sl[r]
			}
		}
	}
}
