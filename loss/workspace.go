package loss

import "github.com/segloss/segloss/kernels"

// Workspace holds the buffers of a loss call: statistics, gradient
// coefficients and kernel scratch, O(N*C) in all. A call grows it to the
// shape it sees; once grown, calls allocate nothing. The zero value is ready
// to use. A Workspace must not be used by two calls at the same time; use one
// per goroutine.
type Workspace struct {
	mc mcPlan
	bn bnPlan

	// Per image and class statistics (softmax), N*C each.
	p, py, count, pp []float64
	scalars          []kernels.SoftmaxSums[float64] // per image
	blk              kernels.SoftmaxSums[float32]   // one block, C each
	// Per plane statistics (sigmoid), N*C.
	sig []kernels.SigmoidSums[float64]
	// Gradient coefficients per image and class, N*C each.
	a64, b64, e64 []float64
	a, b, e       []float32
	scratch       []float32

	// Kernel arguments, kept here so that passing them by pointer to the
	// dispatched primitives does not allocate.
	smPrm  kernels.SoftmaxParams
	smCoef kernels.SoftmaxCoef
	sgPrm  kernels.SigmoidParams
	sgCoef kernels.SigmoidCoef
	sgBlk  kernels.SigmoidSums[float32]
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// grow sizes every buffer for N images of C classes.
func (ws *Workspace) grow(N, C int) {
	nc := N * C
	ws.p, ws.py, ws.count, ws.pp = grow(ws.p, nc), grow(ws.py, nc), grow(ws.count, nc), grow(ws.pp, nc)
	ws.scalars = grow(ws.scalars, N)
	ws.sig = grow(ws.sig, nc)
	ws.blk.P, ws.blk.PY, ws.blk.Count, ws.blk.PP = grow(ws.blk.P, C), grow(ws.blk.PY, C), grow(ws.blk.Count, C), grow(ws.blk.PP, C)
	ws.a64, ws.b64, ws.e64 = grow(ws.a64, nc), grow(ws.b64, nc), grow(ws.e64, nc)
	ws.a, ws.b, ws.e = grow(ws.a, nc), grow(ws.b, nc), grow(ws.e, nc)
	ws.scratch = grow(ws.scratch, 2*C)
	clear(ws.a64)
	clear(ws.b64)
	clear(ws.e64)
}

// image returns zeroed float64 sums of image n, backed by the workspace.
func (ws *Workspace) image(n, C int) kernels.SoftmaxSums[float64] {
	r := n * C
	s := kernels.SoftmaxSums[float64]{
		P: ws.p[r : r+C], PY: ws.py[r : r+C], Count: ws.count[r : r+C], PP: ws.pp[r : r+C],
	}
	clear(s.P)
	clear(s.PY)
	clear(s.Count)
	clear(s.PP)
	return s
}

// regionSrc reads the region statistics of a call from the workspace.
type regionSrc struct {
	ws       *Workspace
	N, C     int
	perImage bool
	sigmoid  bool
}

// sums returns the statistics of group g and class c: image g when perImage,
// else the sum over the batch in image order.
func (r regionSrc) sums(g, c int) regionSums {
	n0, n1 := g, g+1
	if !r.perImage {
		n0, n1 = 0, r.N
	}
	var s regionSums
	for n := n0; n < n1; n++ {
		i := n*r.C + c
		if r.sigmoid {
			t := &r.ws.sig[i]
			s.I += t.PY
			s.P += t.P
			s.PP += t.PP
			s.Y += t.Y
			s.YY += t.YY
		} else {
			s.I += r.ws.py[i]
			s.P += r.ws.p[i]
			s.PP += r.ws.pp[i]
			s.Y += r.ws.count[i]
		}
	}
	if !r.sigmoid {
		s.YY = s.Y // one-hot targets: y*y = y
	}
	return s
}

// addCoef adds region gradient coefficients of image n and class c.
func (r regionSrc) addCoef(n, c int, a, b, e float64) {
	i := n*r.C + c
	r.ws.a64[i] += a
	r.ws.b64[i] += b
	r.ws.e64[i] += e
}

// coefs rounds the accumulated coefficients to float32.
func (ws *Workspace) coefs() {
	for i := range ws.a64 {
		ws.a[i], ws.b[i], ws.e[i] = float32(ws.a64[i]), float32(ws.b64[i]), float32(ws.e64[i])
	}
}
