package distance

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/segloss/segloss/internal/kernels"
)

// Errors the package's functions wrap; test with errors.Is.
var (
	// ErrShape: a spatial shape with no axes, an axis below 1, or a
	// product that overflows int.
	ErrShape = errors.New("distance: bad shape")
	// ErrLength: a buffer whose length disagrees with the shape.
	ErrLength = errors.New("distance: bad length")
	// ErrSpacing: a spacing of another rank than the shape, or an axis
	// spacing that is not finite and > 0.
	ErrSpacing = errors.New("distance: bad spacing")
	// ErrOption: any other option out of its range (a percentile outside
	// [0, 100], a tolerance below 0, a connectivity outside 1..rank, ...).
	ErrOption = errors.New("distance: bad option")
	// ErrLabel: a label outside [0, classes), or more instances than the
	// label type holds.
	ErrLabel = errors.New("distance: bad label")
)

// Options are the settings the distance functions share. The zero value
// (or a nil *Options) is unit spacing on every axis, one worker.
type Options struct {
	// Spacing is the voxel size along each axis, in the order of the
	// shape (outermost first), each finite and > 0; nil means 1 on every
	// axis. Distances are in these units.
	Spacing []float64
	// Workers is the number of goroutines a call splits its lines
	// across; below 1 means 1, and it is capped at GOMAXPROCS. Results
	// are bit-identical for every worker count: each line is computed by
	// one goroutine with the same arithmetic.
	Workers int
}

// volume returns the number of voxels of shape, or an error wrapping
// ErrShape.
func volume(shape []int) (int, error) {
	if len(shape) == 0 {
		return 0, fmt.Errorf("%w: the shape has no axes", ErrShape)
	}
	n := 1
	for a, d := range shape {
		if d < 1 {
			return 0, fmt.Errorf("%w: axis %d has size %d, want at least 1", ErrShape, a, d)
		}
		if d > math.MaxInt32 {
			return 0, fmt.Errorf("%w: axis %d has size %d, want at most 2^31-1", ErrShape, a, d)
		}
		if n > math.MaxInt/d {
			return 0, fmt.Errorf("%w: the product of %v overflows int", ErrShape, shape)
		}
		n *= d
	}
	return n, nil
}

// Check returns the error every function of the package would return for
// this shape and these options (ErrShape, ErrSpacing), or nil: for a
// caller that validates its options before it has data.
func Check(shape []int, opt *Options) error {
	_, _, err := checkVolume(shape, opt)
	return err
}

// checkVolume returns the voxels of shape and its spacing under opt,
// checked: the squared distances are float32 between the passes, so the
// smallest (one voxel along an axis) must be a normal float32 above 0,
// and the largest (the diagonal) finite.
func checkVolume(shape []int, opt *Options) (int, []float64, error) {
	n, err := volume(shape)
	if err != nil {
		return 0, nil, err
	}
	sp, err := opt.spacing(len(shape))
	if err != nil {
		return 0, nil, err
	}
	var diag float64
	for a, s := range sp {
		if s*s < 0x1p-126 {
			return 0, nil, fmt.Errorf("%w: axis %d has spacing %v, whose square is below float32's normal range (want >= 2^-63)", ErrSpacing, a, s)
		}
		x := float64(shape[a]) * s
		diag += x * x
	}
	if diag > math.MaxFloat32/4 {
		return 0, nil, fmt.Errorf("%w: spacing %v on shape %v: the squared diagonal %.3g leaves float32", ErrSpacing, sp, shape, diag)
	}
	return n, sp, nil
}

// spacing returns the spacing of each axis of shape, checked.
func (o *Options) spacing(rank int) ([]float64, error) {
	s := make([]float64, rank)
	if o == nil || o.Spacing == nil {
		for i := range s {
			s[i] = 1
		}
		return s, nil
	}
	if len(o.Spacing) != rank {
		return nil, fmt.Errorf("%w: %d spacings for a shape of %d axes", ErrSpacing, len(o.Spacing), rank)
	}
	for a, v := range o.Spacing {
		if !(v > 0) || math.IsInf(v, 1) {
			return nil, fmt.Errorf("%w: axis %d has spacing %v, want a finite value > 0", ErrSpacing, a, v)
		}
		s[a] = v
	}
	return s, nil
}

// advance steps coord, the index of a voxel (or row) of a volume of the
// given sizes, to the next one in raster order over the axes [0, axes): the
// last of them moves fastest. It reports false after the last one (coord
// is then all zeros again).
func advance(coord, sizes []int, axes int) bool {
	for a := axes - 1; a >= 0; a-- {
		coord[a]++
		if coord[a] < sizes[a] {
			return true
		}
		coord[a] = 0
	}
	return false
}

// workers returns the goroutines to use for units of work.
func (o *Options) workers(units int) int {
	w := 1
	if o != nil && o.Workers > 1 {
		w = o.Workers
	}
	if p := runtime.GOMAXPROCS(0); w > p {
		w = p
	}
	if w > units {
		w = units
	}
	if w < 1 {
		w = 1
	}
	return w
}

// parallel runs f over [0, units) split into w contiguous ranges.
func parallel(units, w int, f func(lo, hi, worker int)) {
	if w <= 1 {
		f(0, units, 0)
		return
	}
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := units*k/w, units*(k+1)/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi, k)
		}()
	}
	wg.Wait()
}

// parallelChunks runs f over [0, units) on w goroutines that take chunks
// of at least chunk units in turn (about eight per worker, so that uneven
// work evens out); each unit's result does not depend on which worker ran
// it.
func parallelChunks(units, w, chunk int, f func(lo, hi, worker int)) {
	if w <= 1 || units <= chunk {
		f(0, units, 0)
		return
	}
	size := (max(chunk, units/(8*w)) + chunk - 1) / chunk * chunk
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				lo := int(next.Add(int64(size))) - size
				if lo >= units {
					return
				}
				f(lo, min(units, lo+size), k)
			}
		}()
	}
	wg.Wait()
}

// EDT writes into dst, for each voxel of mask (nonzero: object), the
// Euclidean distance to the nearest zero (background) voxel, in the units
// of opt.Spacing; background voxels get 0. This is
// scipy.ndimage.distance_transform_edt(mask != 0, sampling=spacing) in
// float32, except that a mask without any zero voxel gives +Inf on every
// voxel (scipy measures to a phantom voxel outside the array there).
//
// mask is row-major with the last axis of shape contiguous; any number of
// axes works. dst and mask have the length of shape's product. The
// transform is exact (Felzenszwalb-Huttenlocher, separable, in float64
// inside each line, float32 between the passes): with unit spacing and
// squared distances below 2^24 every value is the correctly rounded
// square root of an integer; beyond, and with other spacings, each pass
// rounds its squared distances to float32 (a relative 2^-24). Spacings
// whose square is not a normal float32, and shapes whose squared diagonal
// leaves float32, are ErrSpacing. Memory beyond dst is O(longest axis ×
// workers). mask is not modified.
func EDT(dst []float32, mask []uint8, shape []int, opt *Options) error {
	return edt(dst, mask, shape, opt, false)
}

// EDTSquared is EDT writing squared distances.
func EDTSquared(dst []float32, mask []uint8, shape []int, opt *Options) error {
	return edt(dst, mask, shape, opt, true)
}

func edt(dst []float32, mask []uint8, shape []int, opt *Options, squared bool) error {
	n, sp, err := checkVolume(shape, opt)
	if err != nil {
		return err
	}
	if len(mask) != n {
		return fmt.Errorf("%w: mask has %d voxels, want %d for shape %v", ErrLength, len(mask), n, shape)
	}
	if len(dst) != n {
		return fmt.Errorf("%w: dst has %d elements, want %d for shape %v", ErrLength, len(dst), n, shape)
	}
	transform(dst, mask, shape, sp, opt, squared, false)
	return nil
}

// tile is the number of strided lines one unit of a pass gathers: 64
// float32 (four 64-byte cache lines) of each row.
const tile = 64

// group is the number of neighbouring tiles whose object voxels are found
// from the mask at once.
const group = 8

// pitch is the row stride of a full tile in scratch: tile plus one cache
// line, so that a column of the tile does not fall into a few cache sets.
const pitch = tile + 16

// tilePitch is the row stride in scratch of the tiles of an axis whose
// lines are stride apart: a narrower tile (stride < tile) is its width,
// unpadded.
func tilePitch(stride int) int {
	if stride >= tile {
		return pitch
	}
	return stride
}

// transform runs the passes; arguments are checked. With partial (and
// more than one axis) it stops before the outermost axis's pass, leaving
// squared distances over the other axes (see axis0At).
func transform(dst []float32, mask []uint8, shape []int, sp []float64, opt *Options, squared, partial bool) {
	stop := -1
	if partial {
		stop = 0
	}
	passes(dst, mask, shape, sp, opt, squared, stop)
}

// passes runs the first pass (the last axis) and the strided passes of the
// axes a > stop (stop -1: all of them, the transform), writing squared
// distances, or distances after the pass of axis 0 unless squared.
func passes(dst []float32, mask []uint8, shape []int, sp []float64, opt *Options, squared bool, stop int) {
	var p passScratch
	p.passes(dst, mask, shape, sp, opt, squared, stop)
}

// passScratch is the scratch of passes, which a caller that runs many
// small transforms can keep so that each does not allocate its own; the
// zero value is ready.
type passScratch struct {
	sq  []float32
	scr []tileScratch
}

// tileScratch is one worker's scratch of the strided passes.
type tileScratch struct {
	t          []float32 // the tile's rows, kernels.EDTScanReach rows of +Inf above and below (the scan's)
	u          []float32 // the scan's output tile
	sc         *kernels.EDTScratch
	rows, cols []uint64 // the tile's object voxels: rows[t] bit lane, cols[lane·nb + t/64] bit t%64
	cur        int      // the group of tiles whose bits rows holds, -1 for none
	anys       [group]uint64
}

// grow returns s with length n, reallocated (not cleared) when too short.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// passes is the function passes with the scratch of p.
func (p *passScratch) passes(dst []float32, mask []uint8, shape []int, sp []float64, opt *Options, squared bool, stop int) {
	rank := len(shape)
	last := shape[rank-1]
	lines := len(mask) / last
	p.sq = grow(p.sq, last)
	sq := p.sq
	kernels.EDTSquares(sq, sp[rank-1])
	// first runs the first pass over the lines [lo, hi).
	first := func(lo, hi int) {
		for l := lo; l < hi; l++ {
			kernels.EDTBinaryLine(dst[l*last:(l+1)*last], mask[l*last:(l+1)*last], sq)
		}
	}
	if rank == 1 || rank-2 <= stop {
		parallelChunks(lines, opt.workers(lines), 64, func(lo, hi, _ int) { first(lo, hi) })
	}
	if rank == 1 {
		if !squared && stop < 0 {
			for i, v := range dst {
				dst[i] = float32(math.Sqrt(float64(v)))
			}
		}
		return
	}
	// Scratch: a tile of min(tile, stride) lines (plus the padding) of the
	// longest strided axis, and its stacks.
	const reach = kernels.EDTScanReach
	scan := kernels.HasEDTScan()
	longest, tileLen, colsLen, rowsLen := 0, 0, 0, 0
	for a, st := rank-2, last; a >= 0; a-- {
		longest = max(longest, shape[a])
		nb := (shape[a] + 63) / 64
		tileLen = max(tileLen, tilePitch(st)*(shape[a]+2*reach))
		colsLen = max(colsLen, min(tile, st)*nb)
		rowsLen = max(rowsLen, min(group, (st+tile-1)/tile)*nb*64)
		st *= shape[a]
	}
	w := opt.workers(len(mask) / longest)
	p.scr = grow(p.scr, w)
	scr := p.scr
	for k := range scr {
		sc := &scr[k]
		sc.t, sc.rows, sc.cols = grow(sc.t, tileLen), grow(sc.rows, rowsLen), grow(sc.cols, colsLen)
		if scan {
			sc.u = grow(sc.u, tileLen)
		}
		if sc.sc == nil {
			sc.sc = &kernels.EDTScratch{}
		}
		sc.cur = -1
	}
	stride := last
	for a := rank - 2; a > stop; a-- {
		ax := axisPass{dst: dst, mask: mask, na: shape[a], stride: stride, s: sp[a], sqrt: a == 0 && !squared}
		if scan {
			// The scan's squares, and its rows of +Inf around the tile.
			ax.sq = make([]float32, reach+2)
			kernels.EDTSquares(ax.sq, ax.s)
			pt := tilePitch(stride)
			inf := float32(math.Inf(1))
			for k := range scr {
				t := scr[k].t
				for i := range t[:reach*pt] {
					t[i] = inf
				}
				for i := range t[(reach+ax.na)*pt:][:reach*pt] {
					t[(reach+ax.na)*pt+i] = inf
				}
			}
		}
		ax.blocks = (stride + tile - 1) / tile
		ax.groups = (ax.blocks + group - 1) / group
		outer := len(mask) / (stride * ax.na)
		if a == rank-2 && outer >= 4*w {
			// Slabs of the second axis (planes of a volume): each slab's
			// first pass just before its tiles, which read it while it is
			// still in the caches.
			parallelChunks(outer, w, 1, func(lo, hi, k int) {
				sc := &scr[k]
				for o := lo; o < hi; o++ {
					first(o*ax.na, (o+1)*ax.na)
					for b := 0; b < ax.blocks; b++ {
						ax.tile(o, b, sc)
					}
				}
			})
		} else {
			if a == rank-2 {
				parallelChunks(lines, opt.workers(lines), 64, func(lo, hi, _ int) { first(lo, hi) })
			}
			units := outer * ax.blocks
			parallelChunks(units, min(w, units), group, func(lo, hi, k int) {
				sc := &scr[k]
				for u := lo; u < hi; u++ {
					ax.tile(u/ax.blocks, u%ax.blocks, sc)
				}
			})
		}
		for k := range scr {
			scr[k].cur = -1
		}
		stride *= ax.na
	}
}

// axisPass is one strided pass: the lines of axis a, na voxels stride
// apart, in tiles of up to tile neighbouring lines.
type axisPass struct {
	dst            []float32
	mask           []uint8
	na, stride     int
	blocks, groups int // tiles per slab of the axis, groups of tiles per slab
	s              float64
	sqrt           bool
	sq             []float32 // kernels.EDTScan's squares; nil: no scan (the generic tier)
}

// tile transforms the lines of tile b of slab o (the voxels o·stride·na +
// b·tile + [0, width) + t·stride).
func (ax *axisPass) tile(o, b int, sc *tileScratch) {
	dst, mask, na, stride := ax.dst, ax.mask, ax.na, ax.stride
	pt := tilePitch(stride) // this axis's row pitch in the tile
	nb := (na + 63) / 64    // words of a lane's bits
	i0 := b * tile
	width := min(tile, stride-i0)
	base := o*stride*na + i0
	// rows[t] has a bit per object voxel of row t of the tile (the zeros
	// of every pass are the mask's zeros), found for the group of tiles at
	// once (the rows of the mask, group·64 bytes, read whole: a few misses
	// in flight instead of one), and the rows with one are copied whole
	// into the tile, sc.t[t*pt:][:width] (independent loads, many misses
	// in flight): their lines are transformed in place in the tile, not in
	// the volume, whose power-of-two strides alias in the caches. Only the
	// lanes' runs of object voxels are transformed (their zero ends are
	// not read), and only the rows copied in are copied back: the others
	// are background, zeros.
	g, gi := o*ax.groups+b/group, b%group
	if g != sc.cur {
		sc.cur = g
		g0 := b - gi // the group's first tile
		n := min(group, ax.blocks-g0)
		gbase := o*stride*na + g0*tile
		gw := min(n*tile, stride-g0*tile)
		sc.anys = [group]uint64{}
		for t := 0; t < na; t++ {
			row := mask[gbase+t*stride:][:gw]
			for i := 0; i < n; i++ {
				r := nonzeroBits(row[i*tile:])
				sc.rows[i*nb*64+t] = r
				sc.anys[i] |= r
			}
		}
	}
	any := sc.anys[gi]
	if any == 0 {
		return
	}
	rows := sc.rows[gi*nb*64:][:nb*64]
	tt := sc.t[kernels.EDTScanReach*pt:] // row 0
	for t, r := range rows[:na] {
		if r != 0 {
			copy(tt[t*pt:t*pt+width], dst[base+t*stride:][:width])
		} else if ax.sq != nil {
			clear(tt[t*pt : t*pt+width])
		}
	}
	// The scan on the assembly tiers, else the envelope of each run of
	// object voxels.
	if ax.sq != nil {
		scanLanes(sc.u, sc.t, ax.sq, pt, width, na, ax.s, ax.sqrt, sc.sc)
		for t, r := range rows[:na] {
			if r != 0 {
				copy(dst[base+t*stride:][:width], sc.u[t*pt:t*pt+width])
			}
		}
		return
	}
	clear(rows[na:])
	cols := sc.cols[:nb*width]
	for bl := 0; bl < nb; bl++ {
		blk := *(*[64]uint64)(rows[bl*64:])
		transpose64(&blk)
		for lane, c := range blk[:width] {
			cols[lane*nb+bl] = c
		}
	}
	for ; any != 0; any &= any - 1 {
		lane := bits.TrailingZeros64(any)
		col := cols[lane*nb : (lane+1)*nb]
		for q := 0; ; {
			q0, q1 := nextRun(col, q, na)
			if q0 >= na {
				break
			}
			kernels.EDTEnvelopeRun(tt[lane:], pt, tt[lane:], pt, na, q0, q1, ax.s, ax.sqrt, sc.sc)
			q = q1
		}
	}
	for t, r := range rows[:na] {
		if r != 0 {
			copy(dst[base+t*stride:][:width], tt[t*pt:t*pt+width])
		}
	}
}

// scanRows is the most rows of a tile one kernels.EDTScan call scans.
const scanRows = 512

// scanLanes transforms the lines of a tile, lanes [0, width) of na rows at
// pitch pt, from t (row 0 at t[kernels.EDTScanReach·pt:], that many rows
// of +Inf above and below) into u: kernels.EDTScan, and the envelope of
// the whole line (kernels.EDTEnvelope) for a line that the scan leaves (a
// voxel farther than the reach from the background). Each line's values
// are so a function of the line alone, whichever lines share its tile: the
// lazy lines of the surface distances (lazyLines.lines) gather other
// tiles and get the same values.
func scanLanes(u, t, sq []float32, pt, width, na int, s float64, sqrt bool, sc *kernels.EDTScratch) {
	// At most scanRows rows a call: assembly holds up the scheduler for
	// the whole call (some 129 steps of 4 rows by 8 lanes at worst).
	var far uint64
	for r := 0; r < na; r += scanRows {
		f, err := kernels.EDTScan(u[r*pt:], t[r*pt:], sq, pt, width, min(scanRows, na-r), sqrt)
		if err != nil {
			f = ^uint64(0) >> (64 - width) // not reached: every tile fits
		}
		far |= f
	}
	tt := t[kernels.EDTScanReach*pt:]
	for ; far != 0; far &= far - 1 {
		l := bits.TrailingZeros64(far)
		kernels.EDTEnvelope(u[l:], pt, tt[l:], pt, na, s, sqrt, sc)
	}
}

// axis0At finishes the transform at one voxel j of a partial transform
// (transform with partial) of a volume whose outermost axis has n voxels
// of spacing s and the others stride voxels: the squared distance
// min_k g[k] + (s(k - k0))² over its line, scanned outward from the voxel
// and stopped where the step alone exceeds the best so far, so a voxel
// near the background costs a few reads (surface distances mostly are).
func axis0At(g []float32, j, n, stride int, s float64) float64 {
	k0, col := j/stride, j%stride
	best := float64(g[j])
	for k := 1; ; k++ {
		d := float64(k) * s
		d *= d
		if d >= best || (k0-k < 0 && k0+k >= n) {
			return best
		}
		if k0-k >= 0 {
			best = min(best, float64(g[(k0-k)*stride+col])+d)
		}
		if k0+k < n {
			best = min(best, float64(g[(k0+k)*stride+col])+d)
		}
	}
}
