package loss

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/cpu"

	"github.com/segloss/segloss/internal/kernels"
)

// Parallel passes. The logits of a call are cut into chunks of chunkPixels
// pixels of one image (softmax) or one plane (sigmoid): a fixed number of
// kernel blocks, whatever the worker count. Workers take chunks in any
// order, but each chunk's float64 partial sums are computed by one kernel
// call sequence and the partials are combined in chunk order afterwards, so
// the loss and every gradient element are bit-identical for any worker count
// and any GOMAXPROCS.

// chunkPixels is the number of pixels of one unit of parallel work of a
// sigmoid pass.
const chunkPixels = 16 * kernels.BlockSize

// softmaxChunk returns the pixels of one unit of parallel work of a
// softmax pass over C classes: 16 kernel blocks.
func softmaxChunk(C int) int { return 16 * kernels.BlockPixels(C) }

// Small images (S below poolMaxS) pool: one chunk is a group of whole
// images whose planes are gathered into a worker buffer, so that a kernel
// call covers many images instead of a handful of pixels, and the gradient
// is scattered back. It serves Forward and Backward of losses without
// per-image statistics (no PerImage region term): their statistics are
// summed over the batch into a Stats of one image (N = 1), so that neither
// the statistics nor the gradient coefficients grow with N. Blocks then span
// images, so the float32 partial sums differ from the per-image passes of
// Accumulate by rounding; the result is still fixed by the shape alone.
const poolMaxS = 64

// poolPixels is the number of pixels a pooled chunk gathers at most (about
// four kernel blocks, whole images).
func poolPixels(C int) int { return 4 * kernels.BlockPixels(C) }

// poolGroup returns the images of one pooled chunk for images of S pixels.
func poolGroup(C, S int) int { return max(1, poolPixels(C)/S) }

// geom is how a pass cuts a shape into chunks: px pixels per chunk and cpi
// chunks per image (softmax) or plane (sigmoid), or, pooled, group images
// per chunk.
type geom struct {
	px, cpi, chunks, group int
}

func softmaxGeom(sh Shape, pooled bool) geom {
	if pooled {
		g := poolGroup(sh.C, sh.S)
		return geom{group: g, chunks: (sh.N + g - 1) / g}
	}
	px := softmaxChunk(sh.C)
	cpi := (sh.S + px - 1) / px
	return geom{px: px, cpi: cpi, chunks: sh.N * cpi}
}

func sigmoidGeom(sh Shape, pooled bool) geom {
	if pooled {
		g := max(1, poolPixels(1)/sh.S)
		return geom{group: g, chunks: (sh.N + g - 1) / g * sh.C}
	}
	px := chunkPixels
	cpp := (sh.S + px - 1) / px
	return geom{px: px, cpi: cpp, chunks: sh.N * sh.C * cpp}
}

// image returns the statistics' image of softmax chunk i of a shard whose
// first image is first (0 when pooled: a Stats of one image).
func (g geom) image(first, i int) int {
	if g.group > 0 {
		return 0
	}
	return first + i/g.cpi
}

// plane returns the statistics' entry n*C+c of sigmoid chunk i (c when
// pooled).
func (g geom) plane(first, C, i int) int {
	if g.group > 0 {
		return i % C
	}
	return first*C + i/g.cpi
}

// poolLen returns the floats of each pooled buffer of a worker (0 unless
// pooled).
func (g geom) poolLen(sh Shape, sigmoid bool) int {
	if g.group == 0 {
		return 0
	}
	if sigmoid {
		return g.group * sh.S
	}
	return sh.C * g.group * sh.S
}

// minParallel is the number of logits below which a call stays on the
// caller's goroutine.
const minParallel = 1 << 17

// workerState is what one worker writes: its kernel arguments and buffers,
// on cache lines of its own.
type workerState struct {
	_      cpu.CacheLinePad
	smPrm  kernels.SoftmaxParams
	smCoef kernels.SoftmaxCoef
	smBlk  kernels.SoftmaxSums[float32]
	sgPrm  kernels.SigmoidParams
	sgCoef kernels.SigmoidCoef
	sgBlk  kernels.SigmoidSums[float32]
	// bits is the largest kernels.SigmoidSums.Bits of the worker's sigmoid
	// calls in the current job: the check of their targets (and
	// probability inputs).
	bits    uint32
	scratch []float32
	// Probability targets (soft.go): the kernels' arguments and their
	// float64 scratch.
	stPrm  kernels.SoftTargetParams
	stCoef kernels.SoftTargetCoef
	f64    []float64
	f32    []float32
	// Pooled chunks: the gathered logits (and targets and weights) and the
	// gradient.
	px, py, pw, pg []float32
	_              cpu.CacheLinePad
}

type jobKind int

const (
	softmaxStats jobKind = iota
	softmaxGrad
	softmaxFused
	sigmoidStats
	sigmoidGrad
	sigmoidFused
	softTargetStats // Multiclass with probability targets (soft.go)
	softTargetGrad
)

// job is one pass over the chunks of a call. It refers to the workspace and
// the caller's slices only while the call runs.
type job struct {
	ws      *workspace
	kind    jobKind
	next    atomic.Int64
	chunks  int
	cpi     int // chunks per image (softmax) or per plane (sigmoid)
	px      int // pixels per chunk
	sh      Shape
	logits  []float32
	labels  Labels
	targets []float32
	weights []float32 // per-element weights of a weighted sigmoid call, or nil
	// onehot: a Multiclass NoActivation pass over class planes with the
	// sigmoid kernels, their targets the one-hot labels (weights: per pixel,
	// N*S, or nil) and ignored pixels weighted 0.
	onehot bool
	ignore IgnoreIndex
	grad   []float32
	first  int  // index of the shard's first image in the statistics
	region bool // the gradient has region coefficients
	group  int  // images per chunk when pooled (small S), else 0
	// probs: the softmax statistics pass stores the probabilities into
	// grad (kernels.SoftmaxParams.Probs) and the gradient pass turns them
	// into the gradient in place (SoftmaxCoef.FromProbs): not pooled.
	probs bool
}

// run processes chunks until none is left.
func (j *job) run(w int) {
	st := &j.ws.workers[w]
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.chunks {
			return
		}
		j.chunk(st, i)
	}
}

func (j *job) chunk(st *workerState, i int) {
	if j.group > 0 {
		j.pooled(st, i)
		return
	}
	C, S := j.sh.C, j.sh.S
	n, k := i/j.cpi, i%j.cpi // image (or plane) and chunk within it
	lo := k * j.px
	hi := min(lo+j.px, S)
	if j.kind >= softTargetStats {
		j.softTarget(st, i, n, lo, hi)
		return
	}
	if j.kind >= sigmoidStats {
		o := n * S // n is the plane: image*C + channel
		var g, w []float32
		if j.grad != nil {
			g = j.grad[o+lo : o+hi]
		}
		if j.onehot {
			y, w := st.py[:hi-lo], st.pw[:hi-lo]
			x := j.logits[o+lo : o+hi]
			if j.ignore.set || j.weights != nil {
				if j.oneHot(y, w, x, (n/C)*S, lo, hi, n%C) {
					// A NaN at an ignored pixel would reach the sums
					// through its weight 0 (0·NaN): the pixel takes no
					// part, so the kernels see 0 there instead.
					st.px = grow(st.px, hi-lo)
					px := st.px[:hi-lo]
					copy(px, x)
					a := (n/C)*S + lo
					for k, v := range px {
						// only the ignored pixels: a NaN at a zero pixel
						// weight propagates, as torch's w*l does
						if v != v && j.labels.at(a+k) == j.ignore.label {
							px[k] = 0
						}
					}
					x = px
				}
			} else {
				// every weight 1: the unweighted kernels, the one-hot
				// plane branch-free
				a := (n/C)*S + lo
				if j.labels.i32 != nil {
					oneHotPlane(y, j.labels.i32[a:a+hi-lo], int32(n%C))
				} else {
					oneHotPlane(y, j.labels.u8[a:a+hi-lo], int32(n%C))
				}
				w = nil
			}
			j.sigmoid(st, i, n%C, j.first*C+n, x, y, w, g)
			return
		}
		if j.weights != nil {
			w = j.weights[o+lo : o+hi]
		}
		j.sigmoid(st, i, n%C, j.first*C+n, j.logits[o+lo:o+hi], j.targets[o+lo:o+hi], w, g)
		return
	}
	var g []float32
	if j.grad != nil {
		g = j.grad[n*C*S : (n+1)*C*S]
	}
	st.setPixelWeight(j.weights, n*S, (n+1)*S)
	j.softmax(st, i, (j.first+n)*C, j.logits[n*C*S:(n+1)*C*S], S, lo, hi, j.labels.slice(n*S, (n+1)*S), g)
}

// softmax runs the softmax kernels of the job's kind on pixels [lo, hi) of
// one image (x: C planes of S pixels, lab: its S labels, g: its gradient)
// as chunk i, with the region coefficients of statistics row r.
func (j *job) softmax(st *workerState, i, r int, x []float32, S, lo, hi int, lab Labels, g []float32) {
	ws, C := j.ws, j.sh.C
	switch j.kind {
	case softmaxStats:
		out := ws.chunkSums(i, C)
		st.smPrm.Probs = nil
		if j.probs {
			st.smPrm.Probs = g
		}
		if lab.i32 != nil {
			kernels.SoftmaxRange(x, S, lo, hi, lab.i32, &st.smPrm, &st.smBlk, &out)
		} else {
			kernels.SoftmaxRange(x, S, lo, hi, lab.u8, &st.smPrm, &st.smBlk, &out)
		}
		ws.chunkScalars[i] = [4]float64{out.CE, out.W, out.Focal, out.Valid}
	case softmaxGrad:
		if j.region {
			st.smCoef.A, st.smCoef.B, st.smCoef.E = ws.a[r:r+C], ws.b[r:r+C], ws.e[r:r+C]
		}
		st.smCoef.FromProbs = j.probs
		if j.probs {
			x = g // the probabilities the statistics pass stored
		}
		if lab.i32 != nil {
			kernels.SoftmaxGradRange(x, S, lo, hi, lab.i32, &st.smCoef, g)
		} else {
			kernels.SoftmaxGradRange(x, S, lo, hi, lab.u8, &st.smCoef, g)
		}
	case softmaxFused:
		var out kernels.SoftmaxSums[float64]
		if lab.i32 != nil {
			kernels.SoftmaxFusedRange(x, S, lo, hi, lab.i32, &st.smPrm, &st.smCoef, &st.smBlk, &out, g)
		} else {
			kernels.SoftmaxFusedRange(x, S, lo, hi, lab.u8, &st.smPrm, &st.smCoef, &st.smBlk, &out, g)
		}
		ws.chunkScalars[i] = [4]float64{out.CE, out.W, out.Focal, out.Valid}
	}
}

// sigmoid runs the sigmoid kernels of the job's kind on logits x and
// targets y of channel c (weights w or nil, gradient g) as chunk i, with the
// region coefficients of statistics entry r.
func (j *job) sigmoid(st *workerState, i, c, r int, x, y, w, g []float32) {
	ws := j.ws
	st.sgPrm = ws.bn.params(c)
	st.sgCoef = kernels.SigmoidCoef{
		BCEScale: ws.ceScale, PosWeight: st.sgPrm.PosWeight,
		FocalScale: ws.focScale, FocalAlpha: st.sgPrm.FocalAlpha, FocalGamma: st.sgPrm.FocalGamma,
		Probs: st.sgPrm.Probs,
	}
	switch j.kind {
	case sigmoidStats:
		out := &ws.sgChunks[i]
		*out = kernels.SigmoidSums[float64]{}
		if w != nil {
			kernels.SigmoidPlaneWeighted(x, y, w, &st.sgPrm, &st.sgBlk, out)
		} else {
			kernels.SigmoidPlane(x, y, &st.sgPrm, &st.sgBlk, out)
		}
		st.bits = max(st.bits, out.Bits)
	case sigmoidGrad:
		st.sgCoef.A, st.sgCoef.B, st.sgCoef.E, st.sgCoef.D = ws.a[r], ws.b[r], ws.e[r], ws.d[r]
		var bits uint32
		if w != nil {
			bits, _ = kernels.SigmoidGradWeighted(x, y, w, &st.sgCoef, g)
		} else {
			bits, _ = kernels.SigmoidGrad(x, y, &st.sgCoef, g)
		}
		st.bits = max(st.bits, bits)
	case sigmoidFused:
		out := &ws.sgChunks[i]
		*out = kernels.SigmoidSums[float64]{}
		if w != nil {
			kernels.SigmoidFusedWeighted(x, y, w, &st.sgPrm, &st.sgCoef, &st.sgBlk, out, g)
		} else {
			kernels.SigmoidFused(x, y, &st.sgPrm, &st.sgCoef, &st.sgBlk, out, g)
		}
		st.bits = max(st.bits, out.Bits)
	}
}

// pooled runs chunk i of a pooled pass: for softmax, images [n0, n1) of
// group i; for sigmoid, channel i%C of the images of group i/C. Their planes
// are gathered into the worker's buffers as one image of M = (n1-n0)*S
// pixels (the labels of consecutive images are consecutive already), the
// kernels run on it, and a gradient is scattered back. The statistics are
// those of image 0 (a Stats of N = 1).
func (j *job) pooled(st *workerState, i int) {
	N, C, S := j.sh.N, j.sh.C, j.sh.S
	sigmoid := j.kind >= sigmoidStats
	gi, c := i, 0
	if sigmoid {
		gi, c = i/C, i%C
	}
	n0 := gi * j.group
	n1 := min(n0+j.group, N)
	G, M := n1-n0, (n1-n0)*S
	o := n0 * C * S
	if sigmoid {
		x, y, g := st.px[:M], st.py[:M], st.pg[:M]
		plane(x, j.logits[o:], C, S, G, c, false)
		plane(y, j.targets[o:], C, S, G, c, false)
		var w []float32
		if j.weights != nil {
			w = st.pw[:M]
			plane(w, j.weights[o:], C, S, G, c, false)
		}
		j.sigmoid(st, i, c, c, x, y, w, g)
		if j.grad != nil {
			plane(g, j.grad[o:], C, S, G, c, true)
		}
		return
	}
	x, g := st.px[:C*M], st.pg[:C*M]
	transpose(x, j.logits[o:o+C*M], C, S, G, false)
	st.setPixelWeight(j.weights, n0*S, n1*S) // consecutive images' pixels are consecutive
	j.softmax(st, i, 0, x, M, 0, M, j.labels.slice(n0*S, n1*S), g)
	if j.grad != nil {
		transpose(g, j.grad[o:o+C*M], C, S, G, true)
	}
}

// oneHot fills y with the one-hot targets of class c for pixels [lo, hi)
// of the image whose labels start at a, and w with their weights: 0 where
// the label is the ignored one, else the pixel's weight (1 without).
func (j *job) oneHot(y, w, x []float32, a, lo, hi, c int) (ignoredNaN bool) {
	ign := j.ignore
	x = x[:hi-lo]
	for k := range hi - lo {
		i := a + lo + k
		v := j.labels.at(i)
		y[k], w[k] = 0, 1
		if v == int32(c) {
			y[k] = 1
		}
		if ign.set && v == ign.label {
			y[k], w[k] = 0, 0
			ignoredNaN = ignoredNaN || x[k] != x[k]
		} else if j.weights != nil {
			w[k] = j.weights[i]
		}
	}
	return ignoredNaN
}

// oneHotPlane sets y[k] to 1 where lab[k] == c and to 0 elsewhere,
// without a branch per element (SETcc, unrolled by four: 1.8x the
// sign-mask form on AMD Zen 3, in cache).
func oneHotPlane[L int32 | uint8](y []float32, lab []L, c int32) {
	y = y[:len(lab)]
	k := 0
	for ; k+4 <= len(lab); k += 4 {
		l, z := lab[k:k+4:k+4], y[k:k+4:k+4]
		z[0] = math.Float32frombits(b2u(int32(l[0]) == c) * 0x3f800000)
		z[1] = math.Float32frombits(b2u(int32(l[1]) == c) * 0x3f800000)
		z[2] = math.Float32frombits(b2u(int32(l[2]) == c) * 0x3f800000)
		z[3] = math.Float32frombits(b2u(int32(l[3]) == c) * 0x3f800000)
	}
	for ; k < len(lab); k++ {
		y[k] = math.Float32frombits(b2u(int32(lab[k]) == c) * 0x3f800000)
	}
}

// b2u is 1 for true, 0 for false (a SETcc, no branch).
func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// setPixelWeight points the worker's softmax parameters at pixels [a, b)
// of a weighted call's weights (nil for an unweighted call).
func (st *workerState) setPixelWeight(w []float32, a, b int) {
	if w != nil {
		w = w[a:b]
	}
	st.smPrm.PixelWeight, st.smCoef.PixelWeight = w, w
}

// transpose moves G consecutive images of C planes of S pixels (img, NCHW)
// to and from C planes of G*S pixels (planes): planes -> img when back.
func transpose(planes, img []float32, C, S, G int, back bool) {
	M := G * S
	for c := 0; c < C; c++ {
		plane(planes[c*M:(c+1)*M], img, C, S, G, c, back)
	}
}

// plane moves plane c of G consecutive images of C planes of S pixels (img)
// to and from G*S consecutive values (p): p -> img when back.
func plane(p, img []float32, C, S, G, c int, back bool) {
	p = p[:G*S]
	if S == 1 {
		img = img[:(G-1)*C+c+1]
		if back {
			for k, v := range p {
				img[k*C+c] = v
			}
		} else {
			for k := range p {
				p[k] = img[k*C+c]
			}
		}
		return
	}
	for k := 0; k < G; k++ {
		a := p[k*S : (k+1)*S]
		b := img[(k*C+c)*S : (k*C+c+1)*S]
		if back {
			copy(b, a)
		} else {
			copy(a, b)
		}
	}
}

// workerCount returns how many workers a call on sh uses.
func workerCount(option int, sh Shape, chunks int) int {
	if sh.Len() < minParallel {
		return 1
	}
	w := option
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, chunks))
}

// pool holds the worker goroutines of a workspace. They wait for tasks
// between calls and end when the workspace is garbage collected (or
// closed).
type pool struct {
	tasks   chan poolTask
	wg      sync.WaitGroup
	started int
}

type poolTask struct {
	j *job
	w int
}

func (p *pool) loop() {
	for t := range p.tasks {
		t.j.run(t.w)
		p.wg.Done()
		t = poolTask{} // hold no reference to the workspace between calls
	}
}

func stopPool(p *pool) { close(p.tasks) }

// runJob runs j with the given number of workers, the caller's goroutine
// being worker 0, and returns when every chunk is done: the largest
// kernels.SigmoidSums.Bits of a sigmoid job's kernel calls (0 for a
// softmax job), the check of its targets (and probability inputs).
func (ws *workspace) runJob(j *job, workers int) uint32 {
	j.next.Store(0)
	for w := range ws.workers[:workers] {
		ws.workers[w].bits = 0
	}
	if workers <= 1 {
		j.run(0)
		return ws.workers[0].bits
	}
	if ws.pool == nil {
		ws.pool = &pool{tasks: make(chan poolTask)}
		ws.cleanup = runtime.AddCleanup(ws, stopPool, ws.pool)
	}
	p := ws.pool
	for ; p.started < workers-1; p.started++ {
		go p.loop()
	}
	p.wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		p.tasks <- poolTask{j, w}
	}
	j.run(0)
	p.wg.Wait()
	var bits uint32
	for w := range ws.workers[:workers] {
		bits = max(bits, ws.workers[w].bits)
	}
	return bits
}

// Close stops the worker goroutines of the workspace (and of its copies),
// if any. It is optional: they also stop once the workspace and every copy
// of it are garbage collected. A closed workspace can still be used; it
// starts new workers when needed. Closing a nil, unused or closed
// Workspace does nothing; Close returns ErrBusy, and closes nothing, while
// a call is running on the workspace.
func (ws *Workspace) Close() error {
	if ws == nil || atomic.LoadPointer(&ws.p) == nil {
		return nil
	}
	w, err := ws.acquire()
	if err != nil {
		return err
	}
	defer w.release()
	if w.pool != nil {
		w.cleanup.Stop()
		stopPool(w.pool)
		w.pool = nil
	}
	return nil
}
