package loss

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/segloss/segloss/internal/kernels"
)

// Workspace holds the buffers of a loss call: statistics, gradient
// coefficients, kernel scratch and the worker goroutines of the parallel
// passes. A call grows it to the shape it sees; once grown, calls allocate
// nothing. The zero value is ready to use.
//
// A Workspace is a handle: its state lives behind a pointer that copies
// share. Copying a used Workspace (appending it to a growing slice,
// returning a struct that holds it by value) is safe, and the copy and the
// original are then one workspace: they share buffers and workers, and
// closing either closes both (closing twice is harmless). Copies of a
// Workspace that was never used are independent.
//
// A Workspace serves one call at a time. A call that finds it in use by
// another call (from another goroutine, directly or through a copy)
// returns an error wrapping ErrBusy and touches nothing; use one
// Workspace per goroutine.
type Workspace struct {
	// p points to the workspace state, allocated on first use; atomic,
	// so that two goroutines racing on a zero Workspace share one state
	// (and one of them gets ErrBusy) instead of racing on the field.
	p unsafe.Pointer // *workspace
}

// ErrBusy: a Workspace (or a copy of it) is in use by another call.
var ErrBusy = errors.New("loss: workspace in use by another call")

// acquire returns the workspace state, marked in use, or an error when ws
// is nil or in use. The caller must release it.
func (ws *Workspace) acquire() (*workspace, error) {
	if ws == nil {
		return nil, fmt.Errorf("%w: nil Workspace", ErrOption)
	}
	w := (*workspace)(atomic.LoadPointer(&ws.p))
	if w == nil {
		n := new(workspace)
		if atomic.CompareAndSwapPointer(&ws.p, nil, unsafe.Pointer(n)) {
			w = n
		} else {
			w = (*workspace)(atomic.LoadPointer(&ws.p))
		}
	}
	if !w.busy.CompareAndSwap(false, true) {
		return nil, ErrBusy
	}
	return w, nil
}

// release ends a call on w.
func (w *workspace) release() { w.busy.Store(false) }

// workspace is the state of a Workspace and its copies.
type workspace struct {
	busy atomic.Bool // a call is running on the workspace

	mc mcPlan
	bn bnPlan

	lovasz lovaszBufs // Lovasz.LossWith, BinaryLossWith

	// The statistics of a Forward or Backward call.
	st  Stats
	blk kernels.SoftmaxSums[float32] // one block, C each (Pixelwise)
	// Gradient coefficients per image and class, N*C each.
	a64, b64, e64 []float64
	a, b, e       []float32
	d64           []float64 // the sgn(p - y) coefficients (soft-label regions, Binary)
	d             []float32
	scratch       []float32

	// Kernel arguments, kept here so that passing them by pointer to the
	// dispatched primitives does not allocate.
	smPrm kernels.SoftmaxParams
	sgPrm kernels.SigmoidParams
	sgBlk kernels.SigmoidSums[float32]

	// Parallel passes: per-worker state, per-chunk partial sums, the job
	// and the worker goroutines.
	workers           []workerState
	chunkBuf          []float64    // softmax: 4*C per chunk (P, PY, Count, PP)
	chunkScalars      [][4]float64 // softmax: CE, W, Focal, Valid per chunk
	sgChunks          []kernels.SigmoidSums[float64]
	softBuf           []float64 // probability targets: 6*C+1 per chunk (softChunk)
	softTargets       bool      // the call has probability targets (region SoftLabel applies)
	ceScale, focScale float32   // CE (or BCE) and focal gradient scales
	// A weighted call's per-element weights (nil otherwise) and the
	// divisor of WeightMean (their sum, or the element count).
	weights []float32
	wTotal  float64
	mcW     wTotals // Multiclass: the weighted totals of a weighted call
	mcWSet  bool    // mcW is this call's (a WeightMean term and weights)
	wMax    float64 // the largest weight of a weighted call
	// ceFactor bounds a BCE gradient element over its scale: the largest
	// PosWeight (at least 1), times 1e12 for probabilities (torch's
	// 1/max(p(1-p), 1e-12)); 1 for Multiclass.
	ceFactor float64
	hist     []int // per-class label counts (labelTotals)
	job      job
	pool     *pool
	cleanup  runtime.Cleanup
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// grow sizes every buffer for N images of C classes.
func (ws *workspace) grow(N, C int) {
	nc := N * C
	ws.blk.P, ws.blk.PY, ws.blk.Count, ws.blk.PP = grow(ws.blk.P, C), grow(ws.blk.PY, C), grow(ws.blk.Count, C), grow(ws.blk.PP, C)
	ws.a64, ws.b64, ws.e64 = grow(ws.a64, nc), grow(ws.b64, nc), grow(ws.e64, nc)
	ws.a, ws.b, ws.e = grow(ws.a, nc), grow(ws.b, nc), grow(ws.e, nc)
	ws.d64, ws.d = grow(ws.d64, nc), grow(ws.d, nc)
	clear(ws.d64)
	ws.scratch = grow(ws.scratch, kernels.ScratchLen(C))
	clear(ws.a64)
	clear(ws.b64)
	clear(ws.e64)
}

// growWorkers sizes the per-worker state for w workers and C classes, the
// chunk buffers for the given number of chunks and each worker's pooled
// buffers to pool floats.
func (ws *workspace) growWorkers(w, C, chunks, pool int, sigmoid bool) {
	if len(ws.workers) < w {
		ws.workers = append(ws.workers, make([]workerState, w-len(ws.workers))...)
	}
	for i := range ws.workers[:w] {
		st := &ws.workers[i]
		st.scratch = grow(st.scratch, kernels.ScratchLen(C))
		st.smBlk.P, st.smBlk.PY, st.smBlk.Count, st.smBlk.PP = grow(st.smBlk.P, C), grow(st.smBlk.PY, C), grow(st.smBlk.Count, C), grow(st.smBlk.PP, C)
		if pool > 0 {
			st.px, st.pg = grow(st.px, pool), grow(st.pg, pool)
			if sigmoid {
				st.py = grow(st.py, pool)
				if ws.weights != nil {
					st.pw = grow(st.pw, pool)
				}
			}
		}
	}
	if sigmoid {
		ws.sgChunks = grow(ws.sgChunks, chunks)
	} else {
		ws.chunkBuf = grow(ws.chunkBuf, 4*C*chunks)
		ws.chunkScalars = grow(ws.chunkScalars, chunks)
	}
}

// chunkSums returns zeroed float64 sums of softmax chunk i, backed by the
// workspace.
func (ws *workspace) chunkSums(i, C int) kernels.SoftmaxSums[float64] {
	b := ws.chunkBuf[4*C*i : 4*C*(i+1)]
	clear(b)
	return kernels.SoftmaxSums[float64]{P: b[:C], PY: b[C : 2*C], Count: b[2*C : 3*C], PP: b[3*C:]}
}

// regionSrc reads the region statistics of a loss from Stats and, when ws
// is not nil, adds the gradient coefficients to the workspace.
type regionSrc struct {
	st       *Stats
	ws       *workspace
	perImage bool
	soft     bool // probability targets of a Multiclass: SoftLabel applies
}

// sums returns the statistics of group g and class c: image g when perImage,
// else the sum over the batch in image order.
func (r regionSrc) sums(g, c int) regionSums {
	N, C := r.st.N, r.st.C
	n0, n1 := g, g+1
	if !r.perImage {
		n0, n1 = 0, N
	}
	P, PY, Y, PP, YY, AD := r.st.block(sP), r.st.block(sPY), r.st.block(sY), r.st.block(sPP), r.st.block(sYY), r.st.block(sAD)
	var s regionSums
	for n := n0; n < n1; n++ {
		i := n*C + c
		s.I += PY[i]
		s.P += P[i]
		s.PP += PP[i]
		s.Y += Y[i]
		s.YY += YY[i]
		s.AD += AD[i]
	}
	return s
}

// count returns the non-ignored pixels of group g (elements of one
// channel, for Binary): the sum over classes of Y for a softmax loss with
// class-index labels, whose every counted pixel has one label, the pixel
// count (Valid over N) times the group's images with probability targets,
// whose targets need not sum to 1 at a pixel (multi-hot ones:
// DSAnyPresent), and the element count over N·C times the group's images
// for a sigmoid loss.
func (r regionSrc) count(g int) float64 {
	N, C := r.st.N, r.st.C
	n0, n1 := g, g+1
	if !r.perImage {
		n0, n1 = 0, N
	}
	if r.st.kind == kindSigmoid {
		return r.st.scalar(sValid) / float64(N*C) * float64(n1-n0)
	}
	if r.soft {
		return r.st.scalar(sValid) / float64(N) * float64(n1-n0)
	}
	Y := r.st.block(sY)
	var m float64
	for n := n0; n < n1; n++ {
		for c := 0; c < C; c++ {
			m += Y[n*C+c]
		}
	}
	return m
}

// addCoef adds region gradient coefficients of image n and class c.
func (r regionSrc) addCoef(n, c int, a, b, e float64) { r.addCoefD(n, c, a, b, e, 0) }

// addCoefD is addCoef with the coefficient of sgn(p - y).
func (r regionSrc) addCoefD(n, c int, a, b, e, d float64) {
	if r.ws == nil {
		return
	}
	i := n*r.st.C + c
	r.ws.a64[i] += a
	r.ws.b64[i] += b
	r.ws.e64[i] += e
	r.ws.d64[i] += d
}

// coefs rounds the accumulated coefficients to float32.
func (ws *workspace) coefs() {
	for i := range ws.a64 {
		ws.a[i], ws.b[i], ws.e[i], ws.d[i] = float32(ws.a64[i]), float32(ws.b64[i]), float32(ws.e64[i]), float32(ws.d64[i])
	}
}

// perImage reports whether a region term of the plan needs per-image
// statistics.
func perImage(rs []Region) bool {
	for i := range rs {
		if rs[i].PerImage {
			return true
		}
	}
	return false
}

func (p *mcPlan) perImage() bool { return perImage(p.regions) }
func (p *bnPlan) perImage() bool { return perImage(p.regions) }

// gradRange returns ErrRange when the gradient coefficients finalize left
// (the CE and focal scales, the region coefficients of nc entries) do not
// fit the float32 kernels, or, in a weighted call, do not once multiplied by
// the largest weight (the kernels multiply each element's gradient by its
// weight last).
func (ws *workspace) gradRange(ceScale, focScale float64, nc int) error {
	m := 1.0
	if ws.weights != nil {
		m = max(ws.wMax, 1)
	}
	if err := rangeErr(ceScale*m*max(ws.ceFactor, 1), "the cross-entropy (BCE) gradient scale (times the largest weight and BCE factor)"); err != nil {
		return err
	}
	if err := rangeErr(focScale*m, "the focal gradient scale (times the largest weight)"); err != nil {
		return err
	}
	for i := 0; i < nc; i++ {
		for _, v := range [4]float64{ws.a64[i], ws.b64[i], ws.e64[i], ws.d64[i]} {
			if err := rangeErr(v*m, "a region gradient coefficient (times the largest weight)"); err != nil {
				return err
			}
		}
	}
	return nil
}
