// Command bench measures every segloss loss on this machine, forward and
// forward+backward, against the generic (plain Go) tier, the memory limit
// (the bytes a call must move at the best streaming rate measured in the
// same run) and, when Debian's python3-torch is installed, PyTorch, with the
// memory each side adds beyond its inputs.
//
//	go run ./bench                           # the default table
//	go run ./bench -json -torch -threads 1   # one JSON object per row
//	go run ./bench -loss dice -shape 2x3x256x256 -tier avx2 -count 9
//
// Workloads (default): an 8x4x512x512 batch with uint8 labels, a
// 1x14x96x96x96 CT patch with int32 labels and a 1x105x96x96x96 whole-body
// CT patch with int32 labels (CE, Dice and CE + Dice only); the binary
// losses use one channel of the same spatial size with 0/1 targets. Each
// time is the median of -count runs after a warm-up (one run on workloads
// of 2^26 logits or more). See the README for the columns and the JSON
// fields.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/segloss/segloss/internal/kernels"
	"github.com/segloss/segloss/loss"
)

// Row is one line of the table, and one JSON object of -json.
type Row struct {
	Workload     string  `json:"workload"`        // the batch, NxCxS...
	Shape        []int   `json:"shape"`           // the logits' shape of this loss (C = 1 for binary losses)
	Loss         string  `json:"loss"`            // the loss's name (see bench/workload.go)
	Mode         string  `json:"mode"`            // "forward" or "fwd+bwd"
	Tier         string  `json:"tier"`            // the kernel tier
	Threads      int     `json:"threads"`         // goroutines (and PyTorch threads)
	Runs         int     `json:"runs"`            // timed runs after the warm-up (the median is ms)
	Value        float64 `json:"value"`           // the loss value
	MS           float64 `json:"ms"`              // median milliseconds per call
	MinMS        float64 `json:"min_ms"`          // the fastest timed run's milliseconds (../shared/limits/run reports its fastest of 15)
	MLogits      float64 `json:"mlogits_per_s"`   // million logits per second
	NsPerLogit   float64 `json:"ns_per_logit"`    // nanoseconds per logit (of shape)
	Generic      float64 `json:"speedup_generic"` // generic tier's time / this time (1 for generic, 0 when not measured)
	Bytes        int64   `json:"bytes"`           // the bytes the call must move at the least (see passBytes)
	StreamGBps   float64 `json:"stream_gbps"`     // the best streaming rate measured on this workload, GB/s
	LimitMS      float64 `json:"limit_ms"`        // bytes / stream_gbps: the memory limit's time
	Limit        float64 `json:"limit"`           // limit_ms / ms (1 = at the memory limit)
	AllocMB      float64 `json:"alloc_mb"`        // MB (1e6 bytes) segloss allocates per call, its Workspace grown
	AllocFirstMB float64 `json:"alloc_first_mb"`  // MB allocated by the first call, which grows a fresh Workspace
	TorchMS      float64 `json:"torch_ms"`        // PyTorch's median milliseconds (0 when not measured)
	Torch        float64 `json:"speedup_torch"`   // PyTorch's time / this time (0 when not measured)
	TorchMB      float64 `json:"torch_mb"`        // PyTorch's peak resident-set growth during the call, MB (0 when not measured)
	Note         string  `json:"note,omitempty"`  // why a column is missing
}

// includeExtra is -extra: the extra rows run too.
var includeExtra bool

// torchBig is -big: PyTorch's forward+backward of its per-class Dice losses
// runs on workloads above torchSlowWork too.
var torchBig bool

// torchFlag is -torch: "auto" (the default: when /usr/bin/python3 imports
// torch), "true" or "false"; a bare -torch means true.
type torchFlag string

func (t *torchFlag) String() string   { return string(*t) }
func (t *torchFlag) IsBoolFlag() bool { return true }
func (t *torchFlag) Set(s string) error {
	switch s {
	case "auto", "true", "false":
		*t = torchFlag(s)
		return nil
	}
	return fmt.Errorf("want auto, true or false")
}

func main() {
	torch := torchFlag("auto")
	var (
		asJSON  = flag.Bool("json", false, "print one JSON object per row instead of the table")
		filter  = flag.String("loss", "", "only the losses (-suite distance: the operations, edt, sdf, weight-map, hd95, nsd, boundary, hausdorff-dt) whose name contains this (comma-separated alternatives)")
		tier    = flag.String("tier", "", "kernel tier: "+strings.Join(kernels.Available(), ", ")+" (default: the best)")
		shape   = flag.String("shape", "", "one workload NxCxH[xW[xD]] instead of the defaults "+strings.Join(defaultShapes(), ", "))
		threads = flag.Int("threads", 1, "goroutines per call (and PyTorch threads)")
		count   = flag.Int("count", 5, "timed runs per row after a warm-up (the median is shown)")
		python  = flag.String("python", "/usr/bin/python3", "the Python that runs bench/torch/bench.py")
		suite   = flag.String("suite", "loss", "loss (the losses) or distance (the distance package against scipy)")
		big     = flag.Bool("big", false, "distance suite: add the 512x512x512 transform; loss suite: PyTorch's fwd+bwd of its per-class Dice losses on 1x105x96x96x96-sized work too (about 100 s a call)")
		extra   = flag.Bool("extra", false, "add the MONAI/SMP rows (gdl, mcc, lovasz-softmax, binary-mcc, binary-lovasz-hinge)")
	)
	flag.Var(&torch, "torch", "compare with PyTorch: auto, true or false")
	flag.Parse()
	if *suite == "distance" {
		if err := runDistance(os.Stdout, *asJSON, *filter, *threads, *count, *python, *big); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	} else if *suite != "loss" {
		fmt.Fprintln(os.Stderr, "bench: -suite wants loss or distance")
		os.Exit(2)
	}
	includeExtra, torchBig = *extra, *big
	if err := run(os.Stdout, string(torch), *asJSON, *filter, *tier, *shape, *threads, *count, *python); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, torch string, asJSON bool, filter, tier, shape string, threads, count int, python string) error {
	if tier != "" {
		if err := kernels.Use(tier); err != nil {
			return err
		}
	}
	tier = kernels.Active()
	if count < 1 || threads < 1 {
		return fmt.Errorf("-count and -threads must be at least 1")
	}
	specs := defaultWorkloads
	if shape != "" {
		specs = []workloadSpec{{shape: shape}}
	}
	var defs []lossDef
	for _, d := range losses {
		if matches(d.name, filter) && (!d.extra || includeExtra || filter != "") {
			defs = append(defs, d)
		}
	}
	if len(defs) == 0 {
		return fmt.Errorf("no loss matches -loss %q", filter)
	}
	// The plan: each workload with its losses, its timed runs, and what
	// PyTorch runs of it.
	type plan struct {
		spec       string
		n, c       int
		spatial    []int
		defs       []lossDef
		runs       int  // segloss's timed runs
		big        bool // fewer runs, no generic tier
		torchSlow  bool // PyTorch's per-class Dice losses skip fwd+bwd
		torchCount int
	}
	var plans []plan
	for _, sp := range specs {
		n, c, spatial, err := parseShape(sp.shape)
		if err != nil {
			return err
		}
		p := plan{spec: sp.shape, n: n, c: c, spatial: spatial, runs: count, torchCount: min(count, 3)}
		logits := n * c
		for _, s := range spatial {
			logits *= s
		}
		if logits >= bigLogits {
			p.big, p.runs, p.torchCount = true, 1, 1
		}
		p.torchSlow = !torchBig && float64(c)*float64(logits) > torchSlowWork
		for _, d := range defs {
			if sp.runs(d.name) {
				p.defs = append(p.defs, d)
			}
		}
		if len(p.defs) > 0 {
			plans = append(plans, p)
		}
	}

	// PyTorch first, in its own process, before our workloads take memory.
	var th *torchResults
	note := ""
	switch {
	case torch == "false":
		note = "PyTorch not asked for (-torch=false)"
	default:
		var rows []torchReq
		for _, p := range plans {
			for _, d := range p.defs {
				rows = append(rows, torchReq{Loss: d.name, N: p.n, C: p.c, Spatial: p.spatial, Count: p.torchCount,
					Warmup: !p.big, Backward: !(p.torchSlow && d.torchPerClass)})
			}
		}
		var err error
		th, err = runTorch(python, rows, threads)
		if err != nil {
			// The column says n/a and why, with -torch too.
			note = "PyTorch: " + err.Error()
			fmt.Fprintln(os.Stderr, "bench:", note)
		}
	}

	if !asJSON {
		fmt.Fprintf(out, "segloss bench: %s/%s, tier %s (available: %s), %d thread(s), median of %d runs after a warm-up (1 run on workloads of 2^26 logits or more)\n",
			runtime.GOOS, runtime.GOARCH, tier, strings.Join(kernels.Available(), ", "), threads, count)
		if th != nil {
			fmt.Fprintf(out, "PyTorch %s, %d thread(s), median of %d runs after a warm-up (1 run, no warm-up, on workloads of 2^26 logits or more)\n", th.Version, th.Threads, min(count, 3))
		} else {
			fmt.Fprintf(out, "PyTorch column n/a: %s\n", note)
		}
		fmt.Fprintf(out, "limit: time to move the bytes the call must move (inputs read once, twice for a fwd+bwd with a region term; gradient written once)\n")
		fmt.Fprintf(out, "       at the workload's best streaming rate (its -- line), / the loss's time: 1.0 = at the memory limit\n")
		fmt.Fprintf(out, "MB: MB (1e6 bytes) segloss allocates per call, its Workspace grown (MB 1st: the first call, growing a fresh Workspace);\n")
		fmt.Fprintf(out, "torch MB: PyTorch's peak resident-set growth during the call (its fwd+bwd includes the x.grad tensor, 4 bytes a logit)\n\n")
		fmt.Fprintf(out, "%-15s %-20s %-8s %9s %9s %8s %8s %6s %7s %7s %9s %7s %8s\n",
			"workload", "loss", "mode", "value", "ms", "ns/logit", "xgeneric", "limit", "MB", "MB 1st", "torch ms", "xtorch", "torch MB")
	}
	enc := json.NewEncoder(out)
	for _, p := range plans {
		progress("building workload " + p.spec)
		w, err := newWorkload(p.spec)
		if err != nil {
			return err
		}
		progress("streaming rates " + p.spec)
		rates := streamRates(w, p.runs+1)
		best := bestRate(rates)
		progress("")
		if !asJSON {
			var rs []string
			for _, r := range rates {
				rs = append(rs, fmt.Sprintf("%s %.1f", r.name, r.gbps))
			}
			fmt.Fprintf(out, "-- %s, %.3gM logits: streaming GB/s %s; limit at %.1f\n", p.spec, float64(w.shape.Len())/1e6, strings.Join(rs, ", "), best)
			if p.big {
				fmt.Fprintf(out, "-- %s: 1 timed run after a warm-up, no generic tier; only %s\n", p.spec, defNames(p.defs))
			}
		}
		for _, d := range p.defs {
			for _, backward := range []bool{false, true} {
				mode := "forward"
				if backward {
					mode = "fwd+bwd"
				}
				progress(fmt.Sprintf("%s %s %s", p.spec, d.name, mode))
				r, err := measureRow(w, &d, backward, threads, p.runs, tier, !p.big)
				if err != nil {
					return fmt.Errorf("%s: %w", d.name, err)
				}
				r.Workload, r.Mode = p.spec, mode
				r.Bytes = d.passBytes(w, backward)
				r.StreamGBps = best
				r.LimitMS = float64(r.Bytes) / best / 1e6
				r.Limit = r.LimitMS / r.MS
				if th != nil {
					if t, ok := th.find(d.name, r.Shape); ok && t.Error == "" {
						r.TorchMS, r.TorchMB = t.ForwardMS, t.ForwardMB
						if backward {
							r.TorchMS, r.TorchMB = t.BackwardMS, t.BackwardMB
						}
						if r.TorchMS > 0 {
							r.Torch = r.TorchMS / r.MS
						} else {
							r.Note = "PyTorch fwd+bwd not run: its per-class Dice backward is C^2*S work here (about 100 s a call on one thread); -big runs it"
						}
					} else if ok {
						r.Note = "PyTorch: " + t.Error
					}
				} else {
					r.Note = note
				}
				progress("")
				if asJSON {
					enc.Encode(r)
					continue
				}
				generic, torchMS, xtorch, torchMB := "n/a", "n/a", "n/a", "n/a"
				if r.Generic > 0 {
					generic = fmt.Sprintf("%.1f", r.Generic)
				}
				if r.TorchMS > 0 {
					torchMS, xtorch, torchMB = fmt.Sprintf("%.2f", r.TorchMS), fmt.Sprintf("%.1f", r.Torch), fmt.Sprintf("%.1f", r.TorchMB)
				}
				fmt.Fprintf(out, "%-15s %-20s %-8s %9.6f %9.2f %8.3f %8s %6.3f %7.3f %7.3f %9s %7s %8s\n",
					p.spec, d.name, mode, r.Value, r.MS, r.NsPerLogit, generic, r.Limit, r.AllocMB, r.AllocFirstMB, torchMS, xtorch, torchMB)
			}
		}
	}
	return nil
}

func defNames(defs []lossDef) string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.name
	}
	return strings.Join(names, ", ")
}

// measureRow times one loss in one mode: a first call on a fresh Workspace
// (the warm-up, which grows it), then runs timed calls; with generic, one
// more call on the generic tier. It fills the row's loss, shape, tier,
// threads, runs, value, times and allocations.
func measureRow(w *workload, d *lossDef, backward bool, threads, runs int, tier string, generic bool) (Row, error) {
	var ws loss.Workspace
	defer ws.Close()
	f, elems := d.runner(w, backward, threads, &ws)
	var value float64
	var err error
	first := allocated(func() { value, err = f() })
	if err != nil {
		return Row{}, err
	}
	times := make([]float64, runs)
	steady := allocated(func() { timeRuns(f, times) })
	ms := median(times) // sorts times
	sh := append([]int{w.n, w.c}, w.spatial...)
	if d.binary {
		sh[1] = 1
	}
	r := Row{Shape: sh, Loss: d.name, Tier: tier, Threads: threads, Runs: runs, Value: value, MS: ms, MinMS: times[0],
		MLogits: float64(elems) / ms / 1e3, NsPerLogit: ms * 1e6 / float64(elems),
		AllocMB: float64(steady) / float64(runs) / 1e6, AllocFirstMB: float64(first) / 1e6}
	switch {
	case tier == "generic":
		r.Generic = 1
	case generic:
		kernels.Use("generic")
		t := make([]float64, 1)
		timeRuns(f, t)
		kernels.Use(tier)
		r.Generic = t[0] / ms
	}
	return r, nil
}

// allocated returns the bytes the Go runtime allocated while f ran: heap
// allocations (freed or not: TotalAlloc) plus any growth of the goroutine
// stacks in use.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	n := b.TotalAlloc - a.TotalAlloc
	if b.StackInuse > a.StackInuse {
		n += b.StackInuse - a.StackInuse
	}
	return n
}

// timeRuns times len(times) calls of f in milliseconds, allocating nothing.
func timeRuns(f func() (float64, error), times []float64) {
	for i := range times {
		t0 := time.Now()
		f()
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
}

func matches(name, filter string) bool {
	if filter == "" {
		return true
	}
	for _, f := range strings.Split(filter, ",") {
		if f != "" && strings.Contains(name, f) {
			return true
		}
	}
	return false
}

// progress shows what runs on stderr, on one line that the next overwrites.
func progress(s string) {
	fmt.Fprintf(os.Stderr, "\r%-70.70s\r", "")
	if s != "" {
		fmt.Fprintf(os.Stderr, "%s...", s)
	}
}

func medianMS(f func(), count int) float64 {
	times := make([]float64, count)
	for i := range times {
		t0 := time.Now()
		f()
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	return median(times)
}

// median sorts times and returns the middle one (the upper middle of an
// even count).
func median(times []float64) float64 {
	slices.Sort(times)
	return times[len(times)/2]
}

var sink float32

// streamRate is a streaming kernel's rate over a workload's buffers.
type streamRate struct {
	name string
	gbps float64 // GB (1e9 bytes) moved per second: a copy moves 8 bytes a float32 (4 read, 4 written), a sum 4
}

// streamRates returns the median rates of count runs (at least 3, after an
// untimed one), over the workload's
// logits and gradient buffer, of Go's copy (the runtime's memmove, which
// stores non-temporally from 1 MiB on amd64 CPUs with AVX), the active
// tier's roofline copy (kernels.Copy: plain vector loads and stores) in
// memory order and in the loss kernels' C-plane order (for each block of
// BlockPixels(C) pixels of an image, the block of each of the C planes in
// turn), and the tier's roofline sum (reads only).
func streamRates(w *workload, count int) []streamRate {
	tier := kernels.Active()
	n := 4 * float64(len(w.logits))
	N, C, S := w.shape.N, w.shape.C, w.shape.S
	bp := kernels.BlockPixels(C)
	planes := func() {
		for i := 0; i < N; i++ {
			for lo := 0; lo < S; lo += bp {
				hi := min(lo+bp, S)
				for c := 0; c < C; c++ {
					o := (i*C + c) * S
					kernels.Copy(w.grad[o+lo:o+hi], w.logits[o+lo:o+hi])
				}
			}
		}
	}
	// One untimed run first: the first write to a fresh gradient buffer
	// page-faults (Go's copy ran at 1.7 GB/s instead of 14 when it paid for
	// it).
	rate := func(bytes float64, f func()) float64 {
		f()
		return bytes / medianMS(f, max(count, 3)) / 1e6
	}
	return []streamRate{
		{"go copy", rate(2*n, func() { copy(w.grad, w.logits) })},
		{tier + " copy", rate(2*n, func() { kernels.Copy(w.grad, w.logits) })},
		{tier + " C-plane copy", rate(2*n, planes)},
		{tier + " sum", rate(n, func() { sink += kernels.Sum(w.logits) })},
	}
}

// bestRate is the fastest of rates, in GB/s. The sum is among them: a
// forward only reads, and a limit at a copy's rate would sit above what a
// read-only pass can reach where reads stream faster than copies.
func bestRate(rates []streamRate) float64 {
	best := 0.0
	for _, r := range rates {
		best = max(best, r.gbps)
	}
	return best
}

// torchResults is what bench/torch/bench.py prints.
type torchResults struct {
	Version string     `json:"torch"`
	Threads int        `json:"threads"`
	Rows    []torchRow `json:"rows"`
}

type torchRow struct {
	Loss       string  `json:"loss"`
	Shape      []int   `json:"shape"`
	ForwardMS  float64 `json:"forward_ms"`
	BackwardMS float64 `json:"backward_ms"` // 0 (null) when not run
	ForwardMB  float64 `json:"forward_mb"`  // peak RSS growth, MB (0 or null when not measured)
	BackwardMB float64 `json:"backward_mb"`
	Value      float64 `json:"value"`
	Error      string  `json:"error"`
}

// torchReq is one row bench/torch/bench.py computes.
type torchReq struct {
	Loss     string `json:"loss"`
	N        int    `json:"N"`
	C        int    `json:"C"`
	Spatial  []int  `json:"spatial"`
	Count    int    `json:"count"`    // timed runs
	Warmup   bool   `json:"warmup"`   // one untimed call first
	Backward bool   `json:"backward"` // time forward+backward too
}

func (t *torchResults) find(name string, shape []int) (torchRow, bool) {
	for _, r := range t.Rows {
		if r.Loss == name && (r.Error != "" || slices.Equal(r.Shape, shape)) {
			return r, true
		}
	}
	return torchRow{}, false
}

// runTorch runs bench/torch/bench.py on the rows.
func runTorch(python string, rows []torchReq, threads int) (*torchResults, error) {
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return nil, fmt.Errorf("%s cannot import torch (apt-get install python3-torch)", python)
	}
	in, _ := json.Marshal(map[string]any{"threads": threads, "rows": rows})
	cmd := exec.Command(python, "bench/torch/bench.py")
	cmd.Stdin = strings.NewReader(string(in))
	cmd.Stderr = progressWriter{}
	progress("PyTorch")
	out, err := cmd.Output()
	progress("")
	if err != nil {
		return nil, fmt.Errorf("bench/torch/bench.py: %v", err)
	}
	var res torchResults
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("bench/torch/bench.py output: %v", err)
	}
	return &res, nil
}

// progressWriter shows the PyTorch script's progress lines.
type progressWriter struct{}

func (progressWriter) Write(p []byte) (int, error) {
	if s := strings.TrimSpace(string(p)); s != "" {
		progress(s)
	}
	return len(p), nil
}
