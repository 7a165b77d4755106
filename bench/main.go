// Command bench measures every segloss loss on this machine, forward and
// forward+backward, against the generic (plain Go) tier, the memory roofline
// and, when Debian's python3-torch is installed, PyTorch.
//
//	go run ./bench                           # the default table
//	go run ./bench -json -torch -threads 1   # one JSON object per row
//	go run ./bench -loss dice -shape 2x3x256x256 -tier avx2 -count 9
//
// Workloads (default): an 8x4x512x512 batch with uint8 labels and a
// 1x14x96x96x96 CT patch with int32 labels; the binary losses use one channel
// of the same spatial size with 0/1 targets. Each time is the median of
// -count runs after a warm-up. See the README for the columns and the JSON
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
	Workload string  `json:"workload"`        // the batch, NxCxS...
	Shape    []int   `json:"shape"`           // the logits' shape of this loss (C = 1 for binary losses)
	Loss     string  `json:"loss"`            // the loss's name (see bench/workload.go)
	Mode     string  `json:"mode"`            // "forward" or "fwd+bwd"
	Tier     string  `json:"tier"`            // the kernel tier
	Threads  int     `json:"threads"`         // goroutines (and PyTorch threads)
	Value    float64 `json:"value"`           // the loss value
	MS       float64 `json:"ms"`              // median milliseconds per call
	MLogits  float64 `json:"mlogits_per_s"`   // million logits per second
	Generic  float64 `json:"speedup_generic"` // generic tier's time / this time (1 for generic)
	Roofline float64 `json:"roofline"`        // roofline time / this time: sum for forward, copy for fwd+bwd
	TorchMS  float64 `json:"torch_ms"`        // PyTorch's median milliseconds (0 when not measured)
	Torch    float64 `json:"speedup_torch"`   // PyTorch's time / this time (0 when not measured)
	Note     string  `json:"note,omitempty"`  // why a column is missing
}

// includeExtra is -extra: the extra rows run too.
var includeExtra bool

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
		filter  = flag.String("loss", "", "only the losses whose name contains this (comma-separated alternatives)")
		tier    = flag.String("tier", "", "kernel tier: "+strings.Join(kernels.Available(), ", ")+" (default: the best)")
		shape   = flag.String("shape", "", "one workload NxCxH[xW[xD]] instead of the defaults "+strings.Join(defaultWorkloads, ", "))
		threads = flag.Int("threads", 1, "goroutines per call (and PyTorch threads)")
		count   = flag.Int("count", 5, "timed runs per row after a warm-up (the median is shown)")
		python  = flag.String("python", "/usr/bin/python3", "the Python that runs bench/torch/bench.py")
		suite   = flag.String("suite", "loss", "loss (the losses) or distance (the distance package against scipy)")
		big     = flag.Bool("big", false, "distance suite: add the 512x512x512 transform")
		extra   = flag.Bool("extra", false, "add the MONAI/SMP rows (gdl, mcc, lovasz-softmax, binary-mcc, binary-lovasz-hinge)")
	)
	flag.Var(&torch, "torch", "compare with PyTorch: auto, true or false")
	flag.Parse()
	if *suite == "distance" {
		if err := runDistance(os.Stdout, *asJSON, *threads, *count, *python, *big); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	} else if *suite != "loss" {
		fmt.Fprintln(os.Stderr, "bench: -suite wants loss or distance")
		os.Exit(2)
	}
	includeExtra = *extra
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
		specs = []string{shape}
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

	// PyTorch first, in its own process, before our workloads take memory.
	var th *torchResults
	note := ""
	switch {
	case torch == "false":
		note = "PyTorch not asked for (-torch=false)"
	default:
		var err error
		th, err = runTorch(python, specs, defs, threads, min(count, 3))
		if err != nil {
			// The column says n/a and why, with -torch too.
			note = "PyTorch: " + err.Error()
			fmt.Fprintln(os.Stderr, "bench:", note)
		}
	}

	if !asJSON {
		fmt.Fprintf(out, "segloss bench: %s/%s, tier %s (available: %s), %d thread(s), median of %d runs\n",
			runtime.GOOS, runtime.GOARCH, tier, strings.Join(kernels.Available(), ", "), threads, count)
		if th != nil {
			fmt.Fprintf(out, "PyTorch %s, %d thread(s), median of %d runs\n", th.Version, th.Threads, min(count, 3))
		} else {
			fmt.Fprintf(out, "PyTorch column n/a: %s\n", note)
		}
		fmt.Fprintf(out, "roofline: time of a plain %s sum (forward) or copy (fwd+bwd) over the logits / the loss's time\n\n", tier)
		fmt.Fprintf(out, "%-15s %-20s %-8s %9s %9s %9s %8s %8s %9s %8s\n",
			"workload", "loss", "mode", "value", "ms", "Mlogit/s", "xgeneric", "roofline", "torch ms", "xtorch")
	}
	enc := json.NewEncoder(out)
	var ws loss.Workspace
	defer ws.Close()
	for _, spec := range specs {
		progress("building workload " + spec)
		w, err := newWorkload(spec)
		if err != nil {
			return err
		}
		roofSum, roofCopy := roofline(w, count)
		rsBin, rcBin := rooflineBinary(w, count)
		for _, d := range defs {
			for _, backward := range []bool{false, true} {
				mode := "forward"
				if backward {
					mode = "fwd+bwd"
				}
				progress(fmt.Sprintf("%s %s %s", spec, d.name, mode))
				f, elems := d.runner(w, backward, threads, &ws)
				value, ms, err := timeIt(f, count)
				if err != nil {
					return fmt.Errorf("%s: %w", d.name, err)
				}
				genericMS := ms
				if tier != "generic" {
					kernels.Use("generic")
					_, genericMS, _ = timeIt(f, 1)
					kernels.Use(tier)
				}
				roof := roofSum
				switch {
				case d.binary && backward:
					roof = rcBin
				case d.binary:
					roof = rsBin
				case backward:
					roof = roofCopy
				}
				sh := append([]int{w.n, w.c}, w.spatial...)
				if d.binary {
					sh[1] = 1
				}
				r := Row{Workload: spec, Shape: sh, Loss: d.name, Mode: mode, Tier: tier, Threads: threads,
					Value: value, MS: ms, MLogits: float64(elems) / ms / 1e3, Generic: genericMS / ms, Roofline: roof / ms}
				if th != nil {
					if t, ok := th.find(d.name, sh); ok && t.Error == "" {
						r.TorchMS = t.ForwardMS
						if backward {
							r.TorchMS = t.BackwardMS
						}
						r.Torch = r.TorchMS / ms
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
				torchMS, xtorch := "n/a", "n/a"
				if r.TorchMS > 0 {
					torchMS, xtorch = fmt.Sprintf("%.2f", r.TorchMS), fmt.Sprintf("%.1f", r.Torch)
				}
				fmt.Fprintf(out, "%-15s %-20s %-8s %9.6f %9.2f %9.1f %8.1f %8.3f %9s %8s\n",
					spec, d.name, mode, value, ms, r.MLogits, r.Generic, r.Roofline, torchMS, xtorch)
			}
		}
	}
	return nil
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

// timeIt returns f's value and its median time in milliseconds over count
// runs after a warm-up.
func timeIt(f func() (float64, error), count int) (float64, float64, error) {
	v, err := f()
	if err != nil {
		return 0, 0, err
	}
	return v, medianMS(func() { f() }, count), nil
}

func medianMS(f func(), count int) float64 {
	times := make([]float64, count)
	for i := range times {
		t0 := time.Now()
		f()
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	slices.Sort(times)
	return times[len(times)/2]
}

var sink float32

// roofline returns the median milliseconds of a plain sum over the logits
// and of a copy of the logits into the gradient buffer.
func roofline(w *workload, count int) (sum, cp float64) {
	sum = medianMS(func() { sink += kernels.Sum(w.logits) }, count+1)
	cp = medianMS(func() { kernels.Copy(w.grad, w.logits) }, count+1)
	return sum, cp
}

// rooflineBinary is roofline for the binary losses: a sum over the logits
// and the targets, a copy of the logits.
func rooflineBinary(w *workload, count int) (sum, cp float64) {
	sum = medianMS(func() { sink += kernels.Sum(w.blogits) + kernels.Sum(w.targets) }, count+1)
	cp = medianMS(func() { kernels.Copy(w.grad[:len(w.blogits)], w.blogits) }, count+1)
	return sum, cp
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
	BackwardMS float64 `json:"backward_ms"`
	Value      float64 `json:"value"`
	Error      string  `json:"error"`
}

func (t *torchResults) find(name string, shape []int) (torchRow, bool) {
	for _, r := range t.Rows {
		if r.Loss == name && (r.Error != "" || slices.Equal(r.Shape, shape)) {
			return r, true
		}
	}
	return torchRow{}, false
}

// runTorch runs bench/torch/bench.py on the same workloads and losses.
func runTorch(python string, specs []string, defs []lossDef, threads, count int) (*torchResults, error) {
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		return nil, fmt.Errorf("%s cannot import torch (apt-get install python3-torch)", python)
	}
	type req struct {
		Loss    string `json:"loss"`
		N       int    `json:"N"`
		C       int    `json:"C"`
		Spatial []int  `json:"spatial"`
	}
	var rows []req
	for _, spec := range specs {
		n, c, spatial, err := parseShape(spec)
		if err != nil {
			return nil, err
		}
		for _, d := range defs {
			rows = append(rows, req{d.name, n, c, spatial})
		}
	}
	in, _ := json.Marshal(map[string]any{"threads": threads, "count": count, "rows": rows})
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
