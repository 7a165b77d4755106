package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/segloss/segloss/distance"
	"github.com/segloss/segloss/loss"
)

// DistRow is one row of -suite distance, and one JSON object of -json.
type DistRow struct {
	Workload   string  `json:"workload"`        // the volume, e.g. 256x256x256
	Loss       string  `json:"loss"`            // the operation: edt, sdf, weight-map, hd95, nsd, boundary, hausdorff-dt
	Mode       string  `json:"mode"`            // "forward", or "fwd+bwd" for the loss terms
	Threads    int     `json:"threads"`         // goroutines of the segloss call (scipy runs one)
	MS         float64 `json:"ms"`              // segloss's median milliseconds
	RefMS      float64 `json:"ref_ms"`          // scipy's milliseconds on the same data (0: not measured)
	SpeedupRef float64 `json:"speedup_ref"`     // ref_ms / ms
	RefErr     float64 `json:"ref_max_abs_err"` // max |segloss - scipy| over the row's output
	Note       string  `json:"note,omitempty"`  // why a column is missing, what the row computes
}

// distCase is one operation on one data set.
type distCase struct {
	op, workload string
	shape        []int
	classes, n   int
	mode         string   // "" is forward
	inputs       [][]byte // raw files for scipy
	run          func(threads int) ([]float32, float64, error)
	note         string
}

// discs2D returns a size×size mask of random discs.
func discs2D(r *rand.Rand, size, k, rmin, rmax int) []uint8 {
	m := make([]uint8, size*size)
	for ; k > 0; k-- {
		cy, cx, rad := r.IntN(size), r.IntN(size), rmin+r.IntN(rmax-rmin+1)
		for y := max(0, cy-rad); y < min(size, cy+rad+1); y++ {
			for x := max(0, cx-rad); x < min(size, cx+rad+1); x++ {
				if (y-cy)*(y-cy)+(x-cx)*(x-cx) <= rad*rad {
					m[y*size+x] = 1
				}
			}
		}
	}
	return m
}

// balls3D returns a d³ mask of k random balls.
func balls3D(r *rand.Rand, d, k int, rmin, rmax float64) []uint8 {
	m := make([]uint8, d*d*d)
	for ; k > 0; k-- {
		cz, cy, cx := r.Float64()*float64(d), r.Float64()*float64(d), r.Float64()*float64(d)
		rad := rmin + r.Float64()*(rmax-rmin)
		for z := max(0, int(cz-rad)); z < min(d, int(cz+rad)+1); z++ {
			for y := max(0, int(cy-rad)); y < min(d, int(cy+rad)+1); y++ {
				for x := max(0, int(cx-rad)); x < min(d, int(cx+rad)+1); x++ {
					dz, dy, dx := float64(z)-cz, float64(y)-cy, float64(x)-cx
					if dz*dz+dy*dy+dx*dx <= rad*rad {
						m[(z*d+y)*d+x] = 1
					}
				}
			}
		}
	}
	return m
}

// cells2D returns size×size instance labels of k touching cells: each
// pixel within rad of a centre belongs to the nearest centre, with
// one-pixel gaps where two cells meet.
func cells2D(r *rand.Rand, size, k int, rad float64) []int32 {
	cy, cx := make([]float64, k), make([]float64, k)
	for i := range cy {
		cy[i], cx[i] = r.Float64()*float64(size), r.Float64()*float64(size)
	}
	lab := make([]int32, size*size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			best, bi := math.Inf(1), -1
			for i := range cy {
				dy, dx := float64(y)-cy[i], float64(x)-cx[i]
				if d := dy*dy + dx*dx; d < best {
					best, bi = d, i
				}
			}
			if best <= rad*rad {
				lab[y*size+x] = int32(bi + 1)
			}
		}
	}
	out := append([]int32(nil), lab...)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			v := lab[y*size+x]
			if v == 0 {
				continue
			}
			if (x+1 < size && lab[y*size+x+1] != 0 && lab[y*size+x+1] != v) ||
				(y+1 < size && lab[(y+1)*size+x] != 0 && lab[(y+1)*size+x] != v) {
				out[y*size+x] = 0
			}
		}
	}
	return out
}

func int32Bytes(a []int32) []byte {
	b := make([]byte, 4*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	return b
}

func distCases(big bool) []distCase {
	r := rand.New(rand.NewPCG(2026, 12))
	var cs []distCase
	edt := func(workload string, shape []int, mask []uint8, note string) {
		// One output for every run (the API writes into the caller's
		// buffer): a fresh 512 MB slice per run timed its page faults.
		var dst []float32
		cs = append(cs, distCase{op: "edt", workload: workload, shape: shape, inputs: [][]byte{mask}, note: note,
			run: func(th int) ([]float32, float64, error) {
				if dst == nil {
					dst = make([]float32, len(mask))
				}
				return dst, 0, distance.EDT(dst, mask, shape, &distance.Options{Workers: th})
			}})
	}
	edt("1024x1024", []int{1024, 1024}, discs2D(r, 1024, 300, 4, 40), "300 discs")
	vol := balls3D(r, 256, 12, 10, 60)
	edt("256x256x256", []int{256, 256, 256}, vol, "12 balls")
	if big {
		edt("512x512x512", []int{512, 512, 512}, balls3D(r, 512, 12, 20, 120), "12 balls (-big)")
	}
	labels := make([]uint8, 512*512)
	for c := uint8(1); c < 4; c++ {
		for i, v := range discs2D(r, 512, 40, 5, 30) {
			if v != 0 {
				labels[i] = c
			}
		}
	}
	cs = append(cs, distCase{op: "sdf", workload: "4x512x512", shape: []int{512, 512}, classes: 4, inputs: [][]byte{labels},
		note: "4 classes of discs (one_hot2dist)",
		run: func(th int) ([]float32, float64, error) {
			dst := make([]float32, 4*len(labels))
			return dst, 0, distance.SignedMaps(dst, labels, 1, 4, []int{512, 512}, &distance.Options{Workers: th})
		}})
	inst := cells2D(r, 512, 100, 32)
	var wdst []float32 // one output for every run, as the transforms'
	cs = append(cs, distCase{op: "weight-map", workload: "512x512", shape: []int{512, 512}, inputs: [][]byte{int32Bytes(inst)},
		note: "100 touching cells, w0=10 sigma=5",
		run: func(th int) ([]float32, float64, error) {
			if wdst == nil {
				wdst = make([]float32, len(inst))
			}
			return wdst, 0, distance.WeightMap(wdst, inst, []int{512, 512}, &distance.WeightOptions{Options: distance.Options{Workers: th}})
		}})
	// Two masks that disagree on their surfaces: the same balls, one set
	// grown and shifted, and a ball each only one of them has.
	rp := rand.New(rand.NewPCG(7, 7))
	pred, ref := make([]uint8, 256*256*256), make([]uint8, 256*256*256)
	for k := 0; k < 8; k++ {
		cz, cy, cx := 40+rp.Float64()*176, 40+rp.Float64()*176, 40+rp.Float64()*176
		rad := 10 + rp.Float64()*30
		for z := int(cz - rad - 3); z <= int(cz+rad+3); z++ {
			for y := int(cy - rad - 3); y <= int(cy+rad+3); y++ {
				for x := int(cx - rad - 3); x <= int(cx+rad+3); x++ {
					dz, dy, dx := float64(z)-cz, float64(y)-cy, float64(x)-cx
					i := (z*256+y)*256 + x
					if dz*dz+dy*dy+dx*dx <= rad*rad {
						pred[i] = 1
					}
					dx -= 1.5
					if dz*dz+dy*dy+dx*dx <= (rad+2)*(rad+2) {
						ref[i] = 1
					}
				}
			}
		}
	}
	for _, op := range []string{"hd95", "nsd"} {
		cs = append(cs, distCase{op: op, workload: "256x256x256", shape: []int{256, 256, 256}, inputs: [][]byte{pred, ref},
			note: "two 256^3 masks of 8 balls, MONAI's method" + map[string]string{"hd95": "", "nsd": ", tau = 1"}[op],
			run: func(th int) ([]float32, float64, error) {
				var s distance.Surfaces
				if err := s.Compute(pred, ref, []int{256, 256, 256}, &distance.SurfaceOptions{Options: distance.Options{Workers: th}}); err != nil {
					return nil, 0, err
				}
				if op == "hd95" {
					v, err := s.Hausdorff(95, false)
					return nil, v, err
				}
				v, err := s.SurfaceDice(1)
				return nil, v, err
			}})
	}
	// The loss terms forward+backward on a 2-D batch: 8 images, 2
	// classes, 256x256, logits that mostly agree with the labels.
	const ln, lc, ls = 8, 2, 256 * 256
	lab := make([]uint8, ln*ls)
	for k := 0; k < ln; k++ {
		copy(lab[k*ls:], discs2D(r, 256, 12, 8, 40))
	}
	logits := make([]float32, ln*lc*ls)
	for k := 0; k < ln; k++ {
		for c := 0; c < lc; c++ {
			for i := 0; i < ls; i++ {
				v := float32(r.NormFloat64() * 2)
				if int(lab[k*ls+i]) == c {
					v += 3
				}
				logits[(k*lc+c)*ls+i] = v
			}
		}
	}
	lossIn := [][]byte{float32Bytes(logits), lab}
	sh := loss.Shape{N: ln, C: lc, S: ls}
	phi := make([]float32, len(logits))
	if err := distance.SignedMaps(phi, lab, ln, lc, []int{256, 256}, nil); err != nil {
		panic(err)
	}
	grad := make([]float32, len(logits))
	cs = append(cs, distCase{op: "boundary", workload: "8x2x256x256", shape: []int{256, 256}, n: ln, classes: lc, inputs: lossIn,
		mode: "fwd+bwd", note: "softmax, background out; maps precomputed (both sides)",
		run: func(th int) ([]float32, float64, error) {
			v, err := (&loss.Boundary{Workers: th}).Loss(logits, phi, sh, 1, grad)
			return nil, v, err
		}})
	cs = append(cs, distCase{op: "hausdorff-dt", workload: "8x2x256x256", shape: []int{256, 256}, n: ln, classes: lc, inputs: lossIn,
		mode: "fwd+bwd", note: "softmax, background out, alpha 2; PyTorch+scipy as MONAI's CPU path",
		run: func(th int) ([]float32, float64, error) {
			v, err := (&loss.HausdorffDT{Workers: th}).Loss(logits, loss.U8(lab), sh, []int{256, 256}, 1, grad)
			return nil, v, err
		}})
	return cs
}

func float32Bytes(a []float32) []byte {
	b := make([]byte, 4*len(a))
	for i, v := range a {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// runDistance is -suite distance.
// filter keeps the rows whose operation matches (as -loss: comma-separated
// substrings), so that scipy runs only those.
func runDistance(out io.Writer, asJSON bool, filter string, threads, count int, python string, big bool) error {
	if count < 1 || threads < 1 {
		return fmt.Errorf("-count and -threads must be at least 1")
	}
	progress("building the distance workloads")
	var cs []distCase
	for _, c := range distCases(big) {
		if matches(c.op, filter) {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return fmt.Errorf("no operation of -suite distance matches -loss %q", filter)
	}
	refs, note := runScipy(python, cs)
	if !asJSON {
		fmt.Fprintf(out, "segloss bench -suite distance: %d thread(s), median of %d runs; scipy: %s\n\n", threads, count, note)
		fmt.Fprintf(out, "%-12s %-12s %-8s %9s %10s %8s %12s  %s\n", "workload", "op", "mode", "ms", "scipy ms", "xscipy", "max |diff|", "note")
	}
	enc := json.NewEncoder(out)
	for i, c := range cs {
		progress(c.op + " " + c.workload)
		var got []float32
		var val float64
		var err error
		ms := medianMS(func() {
			g, v, e := c.run(threads)
			if e != nil {
				err = e
			}
			got, val = g, v
		}, count)
		if err != nil {
			return fmt.Errorf("%s %s: %w", c.op, c.workload, err)
		}
		mode := c.mode
		if mode == "" {
			mode = "forward"
		}
		row := DistRow{Workload: c.workload, Loss: c.op, Mode: mode, Threads: threads, MS: ms, Note: c.note}
		if refs != nil && refs[i].err == "" {
			row.RefMS = refs[i].ms
			row.SpeedupRef = row.RefMS / ms
			if got != nil {
				row.RefErr = maxAbsDiff(got, refs[i].out)
			} else {
				row.RefErr = math.Abs(val - refs[i].value)
			}
		} else if refs != nil {
			row.Note += "; scipy: " + refs[i].err
		} else {
			row.Note += "; scipy n/a: " + note
		}
		progress("")
		if asJSON {
			enc.Encode(row)
			continue
		}
		refMS, x, diff := "n/a", "n/a", "n/a"
		if row.RefMS > 0 {
			refMS, x, diff = fmt.Sprintf("%.1f", row.RefMS), fmt.Sprintf("%.1f", row.SpeedupRef), fmt.Sprintf("%.3g", row.RefErr)
		}
		fmt.Fprintf(out, "%-12s %-12s %-8s %9.2f %10s %8s %12s  %s\n", c.workload, c.op, mode, ms, refMS, x, diff, row.Note)
	}
	return nil
}

func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

type scipyResult struct {
	ms, value float64
	out       []float32
	err       string
}

// runScipy times bench/scipy/bench.py on the same data (one run each: its
// rows take seconds). It returns nil and the reason when scipy is not
// there; otherwise a note on what it ran.
func runScipy(python string, cs []distCase) ([]scipyResult, string) {
	if err := exec.Command(python, "-c", "import scipy.ndimage").Run(); err != nil {
		return nil, fmt.Sprintf("%s cannot import scipy (apt-get install python3-scipy)", python)
	}
	dir, err := os.MkdirTemp("", "segloss-distance-")
	if err != nil {
		return nil, err.Error()
	}
	defer os.RemoveAll(dir)
	type req struct {
		Op      string    `json:"op"`
		Shape   []int     `json:"shape"`
		Spacing []float64 `json:"spacing"`
		Classes int       `json:"classes"`
		N       int       `json:"n"`
		Inputs  []string  `json:"inputs"`
		Out     string    `json:"out"`
	}
	var rows []req
	for i, c := range cs {
		q := req{Op: c.op, Shape: c.shape, Classes: c.classes, N: c.n, Out: filepath.Join(dir, fmt.Sprintf("out%d", i))}
		for k, b := range c.inputs {
			p := filepath.Join(dir, fmt.Sprintf("in%d_%d", i, k))
			if err := os.WriteFile(p, b, 0o600); err != nil {
				return nil, err.Error()
			}
			q.Inputs = append(q.Inputs, p)
		}
		rows = append(rows, q)
	}
	in, _ := json.Marshal(map[string]any{"count": 1, "rows": rows})
	cmd := exec.Command(python, "bench/scipy/bench.py")
	cmd.Stdin = strings.NewReader(string(in))
	cmd.Stderr = progressWriter{}
	progress("scipy")
	outb, err := cmd.Output()
	progress("")
	if err != nil {
		return nil, fmt.Sprintf("bench/scipy/bench.py: %v", err)
	}
	var res struct {
		Scipy string
		Rows  []struct {
			Op    string
			MS    float64
			Value float64
		}
	}
	if err := json.Unmarshal(outb, &res); err != nil || len(res.Rows) != len(cs) {
		return nil, fmt.Sprintf("bench/scipy/bench.py output: %v", err)
	}
	out := make([]scipyResult, len(cs))
	for i, r := range res.Rows {
		out[i] = scipyResult{ms: r.MS, value: r.Value}
		if b, err := os.ReadFile(rows[i].Out); err == nil {
			f := make([]float32, len(b)/4)
			for k := range f {
				f[k] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*k:]))
			}
			out[i].out = f
		}
	}
	return out, fmt.Sprintf("scipy %s, one run per row", res.Scipy)
}
