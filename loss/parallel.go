package loss

import (
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

// chunkPixels is the number of pixels of one unit of parallel work.
const chunkPixels = 16 * kernels.BlockSize

// minParallel is the number of logits below which a call stays on the
// caller's goroutine.
const minParallel = 1 << 17

// workerState is what one worker writes: its kernel arguments and buffers,
// on cache lines of its own.
type workerState struct {
	_       cpu.CacheLinePad
	smPrm   kernels.SoftmaxParams
	smCoef  kernels.SoftmaxCoef
	smBlk   kernels.SoftmaxSums[float32]
	sgPrm   kernels.SigmoidParams
	sgCoef  kernels.SigmoidCoef
	sgBlk   kernels.SigmoidSums[float32]
	scratch []float32
	_       cpu.CacheLinePad
}

type jobKind int

const (
	softmaxStats jobKind = iota
	softmaxGrad
	softmaxFused
	sigmoidStats
	sigmoidGrad
	sigmoidFused
)

// job is one pass over the chunks of a call. It refers to the workspace and
// the caller's slices only while the call runs.
type job struct {
	ws      *Workspace
	kind    jobKind
	next    atomic.Int64
	chunks  int
	cpi     int // chunks per image (softmax) or per plane (sigmoid)
	sh      Shape
	logits  []float32
	labels  Labels
	targets []float32
	grad    []float32
	first   int  // index of the shard's first image in the statistics
	region  bool // the gradient has region coefficients
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
	ws, C, S := j.ws, j.sh.C, j.sh.S
	n, k := i/j.cpi, i%j.cpi // image (or plane) and chunk within it
	lo := k * chunkPixels
	hi := min(lo+chunkPixels, S)
	switch j.kind {
	case softmaxStats:
		out := ws.chunkSums(i, C)
		x := j.logits[n*C*S : (n+1)*C*S]
		if j.labels.i32 != nil {
			kernels.SoftmaxRange(x, S, lo, hi, j.labels.i32[n*S:(n+1)*S], &st.smPrm, &st.smBlk, &out)
		} else {
			kernels.SoftmaxRange(x, S, lo, hi, j.labels.u8[n*S:(n+1)*S], &st.smPrm, &st.smBlk, &out)
		}
		ws.chunkScalars[i] = [4]float64{out.CE, out.W, out.Focal, out.Valid}
	case softmaxGrad:
		if j.region {
			r := (j.first + n) * C
			st.smCoef.A, st.smCoef.B, st.smCoef.E = ws.a[r:r+C], ws.b[r:r+C], ws.e[r:r+C]
		}
		x, g := j.logits[n*C*S:(n+1)*C*S], j.grad[n*C*S:(n+1)*C*S]
		if j.labels.i32 != nil {
			kernels.SoftmaxGradRange(x, S, lo, hi, j.labels.i32[n*S:(n+1)*S], &st.smCoef, g)
		} else {
			kernels.SoftmaxGradRange(x, S, lo, hi, j.labels.u8[n*S:(n+1)*S], &st.smCoef, g)
		}
	case softmaxFused:
		var out kernels.SoftmaxSums[float64]
		x, g := j.logits[n*C*S:(n+1)*C*S], j.grad[n*C*S:(n+1)*C*S]
		if j.labels.i32 != nil {
			kernels.SoftmaxFusedRange(x, S, lo, hi, j.labels.i32[n*S:(n+1)*S], &st.smPrm, &st.smCoef, &st.smBlk, &out, g)
		} else {
			kernels.SoftmaxFusedRange(x, S, lo, hi, j.labels.u8[n*S:(n+1)*S], &st.smPrm, &st.smCoef, &st.smBlk, &out, g)
		}
		ws.chunkScalars[i] = [4]float64{out.CE, out.W, out.Focal, out.Valid}
	case sigmoidStats:
		o := n * S // n is the plane: image*C + channel
		st.sgPrm = ws.bn.params(n % C)
		out := &ws.sgChunks[i]
		*out = kernels.SigmoidSums[float64]{}
		kernels.SigmoidPlane(j.logits[o+lo:o+hi], j.targets[o+lo:o+hi], &st.sgPrm, &st.sgBlk, out)
	case sigmoidGrad:
		o := n * S
		prm := ws.bn.params(n % C)
		r := j.first*C + n // the plane's entry in the statistics
		st.sgCoef = kernels.SigmoidCoef{
			A: ws.a[r], B: ws.b[r], E: ws.e[r],
			BCEScale: ws.ceScale, PosWeight: prm.PosWeight,
			FocalScale: ws.focScale, FocalAlpha: prm.FocalAlpha, FocalGamma: prm.FocalGamma,
		}
		kernels.SigmoidGrad(j.logits[o+lo:o+hi], j.targets[o+lo:o+hi], &st.sgCoef, j.grad[o+lo:o+hi])
	case sigmoidFused:
		o := n * S
		st.sgPrm = ws.bn.params(n % C)
		st.sgCoef = kernels.SigmoidCoef{
			BCEScale: ws.ceScale, PosWeight: st.sgPrm.PosWeight,
			FocalScale: ws.focScale, FocalAlpha: st.sgPrm.FocalAlpha, FocalGamma: st.sgPrm.FocalGamma,
		}
		out := &ws.sgChunks[i]
		*out = kernels.SigmoidSums[float64]{}
		kernels.SigmoidFused(j.logits[o+lo:o+hi], j.targets[o+lo:o+hi], &st.sgPrm, &st.sgCoef, &st.sgBlk, out, j.grad[o+lo:o+hi])
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
// being worker 0, and returns when every chunk is done.
func (ws *Workspace) runJob(j *job, workers int) {
	j.next.Store(0)
	if workers <= 1 {
		j.run(0)
		return
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
}

// Close stops the worker goroutines of the workspace, if any. It is
// optional: they also stop once the workspace is garbage collected. A
// closed workspace can still be used; it starts new workers when needed.
func (ws *Workspace) Close() {
	if ws.pool != nil {
		ws.cleanup.Stop()
		stopPool(ws.pool)
		ws.pool = nil
	}
}
