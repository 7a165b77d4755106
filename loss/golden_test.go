package loss

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/segloss/segloss/internal/kernels"
)

// The golden cases of testdata/golden.json.gz, computed in float64 by
// PyTorch (testdata/golden.py, `make golden`).

type goldenTerm struct {
	Type              string          `json:"type"`
	Weight            float64         `json:"weight"`
	ClassWeight       []float32       `json:"class_weight"`
	Smoothing         float64         `json:"smoothing"`
	Reduction         string          `json:"reduction"`
	Gamma             float64         `json:"gamma"`
	Alpha             json.RawMessage `json:"alpha"` // []float32 (focal) or a number
	Region            string          `json:"region"`
	Beta              float64         `json:"beta"`
	SmoothNum         float64         `json:"smooth_num"`
	SmoothDen         float64         `json:"smooth_den"`
	PerImage          bool            `json:"per_image"`
	Squared           bool            `json:"squared"`
	IncludeBackground bool            `json:"include_background"`
	Log               bool            `json:"log"`
	Empty             string          `json:"empty"`
	PosWeight         []float32       `json:"pos_weight"`
}

type goldenSchedule struct {
	Kind  string `json:"kind"`
	Epoch int    `json:"epoch"`
	Total int    `json:"total"`
	Steps int    `json:"steps"`
}

type goldenCase struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	N, C, S     int
	Spatial     []int           `json:"spatial"`
	Logits      []float32       `json:"logits"`
	LabelsDtype string          `json:"labels_dtype"`
	Labels      []int32         `json:"labels"`
	Ignore      *int            `json:"ignore"`
	Targets     []float32       `json:"targets"`
	Terms       []goldenTerm    `json:"terms"`
	Schedule    *goldenSchedule `json:"schedule"`
	Loss        float64         `json:"loss"`
	LossNone    []float64       `json:"loss_none"`
	Grad        []float64       `json:"grad"`
}

var golden = sync.OnceValues(func() ([]goldenCase, error) {
	f, err := os.Open("../testdata/golden.json.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var file struct {
		Torch string       `json:"torch"`
		Cases []goldenCase `json:"cases"`
	}
	if err := json.NewDecoder(z).Decode(&file); err != nil {
		return nil, err
	}
	return file.Cases, nil
})

func reduction(s string) (Reduction, error) {
	for _, r := range []Reduction{Mean, Sum, None, PixelMean} {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown reduction %q", s)
}

// term builds the Term of a golden term description.
func (g *goldenTerm) term() (Term, error) {
	red, err := reduction(g.Reduction)
	if g.Type == "region" {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	switch g.Type {
	case "ce":
		return &CrossEntropy{Weight: g.ClassWeight, LabelSmoothing: g.Smoothing, Reduction: red}, nil
	case "focal":
		f := &Focal{Gamma: g.Gamma, Reduction: red}
		if string(g.Alpha) != "null" {
			if err := json.Unmarshal(g.Alpha, &f.Alpha); err != nil {
				return nil, err
			}
		}
		return f, nil
	case "bce":
		return &BCE{PosWeight: g.PosWeight, Reduction: red}, nil
	case "sigmoid_focal":
		f := &SigmoidFocal{Gamma: g.Gamma, Reduction: red}
		if err := json.Unmarshal(g.Alpha, &f.Alpha); err != nil {
			return nil, err
		}
		return f, nil
	case "region":
		r := &Region{Gamma: g.Gamma, Beta: g.Beta, SmoothNum: g.SmoothNum, SmoothDen: g.SmoothDen,
			PerImage: g.PerImage, Squared: g.Squared, ExcludeBackground: !g.IncludeBackground,
			Weight: g.ClassWeight, Log: g.Log}
		if err := json.Unmarshal(g.Alpha, &r.Alpha); err != nil {
			return nil, err
		}
		switch g.Region {
		case "dice":
			r.Kind = DiceRatio
		case "iou":
			r.Kind = IoURatio
		case "tversky":
			r.Kind = TverskyRatio
		default:
			return nil, fmt.Errorf("unknown region %q", g.Region)
		}
		switch g.Empty {
		case "computed":
			r.Empty = EmptyComputed
		case "skip":
			r.Empty = EmptySkip
		case "zero":
			r.Empty = EmptyZero
		default:
			return nil, fmt.Errorf("unknown empty policy %q", g.Empty)
		}
		return r, nil
	}
	return nil, fmt.Errorf("unknown term type %q", g.Type)
}

func (gc *goldenCase) terms() ([]Weighted, error) {
	var ts []Weighted
	for i := range gc.Terms {
		t, err := gc.Terms[i].term()
		if err != nil {
			return nil, err
		}
		ts = append(ts, Weighted{gc.Terms[i].Weight, t})
	}
	if s := gc.Schedule; s != nil {
		// The case's weights come from the chapter's schedule: recompute them.
		var sc Schedule
		switch s.Kind {
		case "linear":
			sc = Linear{}
		case "cosine":
			sc = Cosine{}
		case "step":
			sc = Step{Steps: s.Steps}
		default:
			return nil, fmt.Errorf("unknown schedule %q", s.Kind)
		}
		l := sc.Lambda(s.Epoch, s.Total)
		if math.Abs(l-ts[0].Weight) > 1e-12 || math.Abs(1-l-ts[1].Weight) > 1e-12 {
			return nil, fmt.Errorf("schedule %+v gives lambda %v, the case has weights %v, %v", *s, l, ts[0].Weight, ts[1].Weight)
		}
		ts[0].Weight, ts[1].Weight = l, 1-l
	}
	return ts, nil
}

func (gc *goldenCase) labels() Labels {
	if gc.LabelsDtype == "u8" {
		l := make([]uint8, len(gc.Labels))
		for i, v := range gc.Labels {
			l[i] = uint8(v)
		}
		return U8(l)
	}
	return I32(gc.Labels)
}

// Tolerances against the float64 reference are the accuracy targets of
// docs/design.md (Numerics):
// loss values within 1e-6 relative, gradients within 1e-6 of the largest
// reference gradient magnitude (the generic tier measures 5e-7 and 7e-7).
const (
	goldenValueRel = 1e-6
	goldenValueAbs = 1e-9
	goldenGradRel  = 1e-6 // of the largest reference gradient magnitude
)

// eachTier runs f once per kernel tier this CPU runs.
func eachTier(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	defer kernels.Use(kernels.Available()[0])
	for _, tier := range kernels.Available() {
		if err := kernels.Use(tier); err != nil {
			t.Fatal(err)
		}
		t.Run("tier="+tier, f)
	}
}

// eachTierLong is eachTier, but with -short (the race detector and the
// emulated arm64 run) only the best tier runs; the full run covers them all.
func eachTierLong(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	if !testing.Short() {
		eachTier(t, f)
		return
	}
	best := kernels.Available()[0]
	defer kernels.Use(best)
	kernels.Use(best)
	t.Run("tier="+best, f)
}

func TestGolden(t *testing.T) {
	cases, err := golden()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 80 {
		t.Fatalf("%d golden cases, want at least 80", len(cases))
	}
	eachTier(t, func(t *testing.T) {
		for i := range cases {
			gc := &cases[i]
			t.Run(gc.Name, func(t *testing.T) { runGolden(t, gc) })
		}
	})
}

func runGolden(t *testing.T, gc *goldenCase) {
	terms, err := gc.terms()
	if err != nil {
		t.Fatal(err)
	}
	sh := Shape{gc.N, gc.C, gc.S}
	if sh != NewShape(gc.N, gc.C, gc.Spatial...) {
		t.Fatalf("shape %v does not match spatial %v", sh, gc.Spatial)
	}
	var ws Workspace
	grad := make([]float32, sh.Len())
	var value float64
	var none []float32
	switch gc.Kind {
	case "softmax":
		m := &Multiclass{Terms: terms}
		if gc.Ignore != nil {
			m.Ignore = Ignore(*gc.Ignore)
		}
		lab := gc.labels()
		value, err = m.Backward(&ws, gc.Logits, lab, sh, grad)
		if err == nil && gc.LossNone != nil {
			none = make([]float32, len(gc.LossNone))
			err = m.Pixelwise(&ws, gc.Logits, lab, sh, none)
		}
	case "sigmoid":
		b := &Binary{Terms: terms}
		value, err = b.Backward(&ws, gc.Logits, gc.Targets, sh, grad)
		if err == nil && gc.LossNone != nil {
			none = make([]float32, len(gc.LossNone))
			err = b.Pixelwise(&ws, gc.Logits, gc.Targets, sh, none)
		}
	default:
		t.Fatalf("unknown kind %q", gc.Kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !closeRel(value, gc.Loss, goldenValueRel, goldenValueAbs) {
		t.Errorf("loss = %.9g, torch %.9g (rel err %.2g)", value, gc.Loss, math.Abs(value-gc.Loss)/math.Abs(gc.Loss))
	}
	compareSlice(t, "grad", grad, gc.Grad)
	if none != nil {
		compareSlice(t, "loss_none", none, gc.LossNone)
	}
}

func compareSlice(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, torch %d", what, len(got), len(want))
	}
	mx := 0.0
	for _, v := range want {
		mx = math.Max(mx, math.Abs(v))
	}
	tol := goldenGradRel*mx + 1e-12
	bad := 0
	for i, v := range want {
		if d := math.Abs(float64(got[i]) - v); !(d <= tol) {
			if bad < 3 {
				t.Errorf("%s[%d] = %.9g, torch %.9g (|diff| %.2g > %.2g)", what, i, got[i], v, d, tol)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d of %d values differ", what, bad, len(want))
	}
}
