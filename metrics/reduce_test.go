package metrics

import (
	"errors"
	"math"
	"testing"

	"github.com/segloss/segloss/loss"
)

// monaiYPred and monaiY are the inputs of MONAI's test_compute_meandice
// TEST_CASE_4, 5, 13-15 (tests/metrics/test_compute_meandice.py at MONAI
// d388d1c6f): two images, three channels of 2x2, already binary.
var (
	monaiYPred = []float32{
		1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1,
		1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0,
	}
	monaiY = []float32{
		1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0,
	}
	// TEST_CASE_6-8's y: background everywhere in both images.
	monaiYBg = []float32{
		1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	}
)

// monaiDice computes MONAI's DiceMetric buffer for binary inputs (0/1 used
// as logits: positive above 0) and reduces it.
func monaiDice(t *testing.T, pred, y []float32, C int, bg bool, empty EmptyPolicy, red Reduction) ([]float64, []float64) {
	t.Helper()
	m := &Counts{C: C, PerImage: true}
	if err := m.AddBinary(pred, y, loss.NewShape(len(pred)/(C*4), C, 2, 2)); err != nil {
		t.Fatal(err)
	}
	r, err := m.Result(Options{ExcludeBackground: !bg, Empty: empty})
	if err != nil {
		t.Fatal(err)
	}
	f, N, Cp, err := r.ImageMatrix(MetricDice)
	if err != nil {
		t.Fatal(err)
	}
	v, k, err := Reduce(f, N, Cp, red)
	if err != nil {
		t.Fatal(err)
	}
	return v, k
}

// TestMONAIMeanDice: MONAI's own DiceMetric cases, with its expected values
// (its tolerance, atol 1e-4). ignore_empty=True (MONAI's default) is
// TargetEmptySkip, ignore_empty=False BothEmptyOne.
func TestMONAIMeanDice(t *testing.T) {
	for _, c := range []struct {
		name  string
		pred  []float32
		y     []float32
		C     int
		bg    bool
		empty EmptyPolicy
		red   Reduction
		want  []float64
	}{
		{"TEST_CASE_1", []float32{1, 0, 0, 1}, []float32{1, 0, 1, 1}, 1, true, TargetEmptySkip, ReduceNone, []float64{0.8}},
		{"TEST_CASE_4", monaiYPred, monaiY, 3, true, TargetEmptySkip, ReduceMeanBatch, []float64{0.6786, 0.4000, 0.6667}},
		{"TEST_CASE_5", monaiYPred, monaiY, 3, true, TargetEmptySkip, ReduceMean, []float64{0.689683}},
		{"TEST_CASE_6", monaiYPred, monaiYBg, 3, true, TargetEmptySkip, ReduceSumBatch, []float64{1.7143, 0, 0}},
		{"TEST_CASE_7", monaiYPred, monaiYBg, 3, true, TargetEmptySkip, ReduceMean, []float64{0.857143}},
		{"TEST_CASE_8", monaiYPred, monaiYBg, 3, false, TargetEmptySkip, ReduceSumBatch, []float64{0, 0}},
		{"TEST_CASE_11", make([]float32, 36), make([]float32, 36), 2, true, BothEmptyOne, ReduceNone, []float64{1, 1, 1, 1}},
		{"TEST_CASE_12", ones(36), make([]float32, 36), 2, true, BothEmptyOne, ReduceNone, []float64{0, 0, 0, 0}},
		{"TEST_CASE_15", monaiYPred, monaiY, 3, false, TargetEmptySkip, ReduceMeanBatch, []float64{0.4000, 0.6667}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pred, y := c.pred, c.y
			if c.name == "TEST_CASE_11" || c.name == "TEST_CASE_12" {
				// Shape (2, 2, 3, 3) in MONAI; 2x2 planes here hold the
				// same constant values.
				pred, y = pred[:16], y[:16]
			}
			got, _ := monaiDice(t, pred, y, c.C, c.bg, c.empty, c.red)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if math.Abs(got[i]-c.want[i]) > 1e-4 {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
	// The figure: TEST_CASE_5's flat mean over (image, class) is
	// the 0.605952 the old ImageDice gives; the MONAI mean is 0.689683.
	m := &Counts{C: 3, PerImage: true}
	if err := m.AddBinary(monaiYPred, monaiY, loss.NewShape(2, 3, 2, 2)); err != nil {
		t.Fatal(err)
	}
	r, _ := m.Result(Options{Empty: TargetEmptySkip})
	if math.Abs(r.ImageDice-0.605952) > 1e-6 {
		t.Errorf("ImageDice %v, want the flat mean 0.605952", r.ImageDice)
	}
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// TestReduceCounts: the not-NaN counts of every reduction, on a matrix
// with a wholly skipped image and a wholly skipped class.
func TestReduceCounts(t *testing.T) {
	nan := math.NaN()
	f := []float64{
		0.5, nan, 1,
		nan, nan, nan,
		0.25, nan, 0,
	}
	for _, c := range []struct {
		r    Reduction
		v, k []float64
	}{
		{ReduceMean, []float64{(0.75 + 0.125) / 2}, []float64{2}},
		{ReduceSum, []float64{1.75}, []float64{4}},
		{ReduceMeanBatch, []float64{0.375, 0, 0.5}, []float64{2, 0, 2}},
		{ReduceSumBatch, []float64{0.75, 0, 1}, []float64{2, 0, 2}},
		{ReduceMeanChannel, []float64{0.75, 0, 0.125}, []float64{2, 0, 2}},
		{ReduceSumChannel, []float64{1.5, 0, 0.25}, []float64{2, 0, 2}},
	} {
		v, k, err := Reduce(f, 3, 3, c.r)
		if err != nil {
			t.Fatal(err)
		}
		for i := range c.v {
			if math.Abs(v[i]-c.v[i]) > 1e-15 || k[i] != c.k[i] {
				t.Errorf("%v: %v %v, want %v %v", c.r, v, k, c.v, c.k)
				break
			}
		}
	}
	if _, _, err := Reduce(f, 2, 3, ReduceMean); !errors.Is(err, loss.ErrShape) {
		t.Errorf("bad length: %v", err)
	}
	if _, _, err := Reduce(f, 3, 3, 42); !errors.Is(err, loss.ErrOption) {
		t.Errorf("bad reduction: %v", err)
	}
	if _, _, err := Reduce(f, 1<<62, 4, ReduceMean); !errors.Is(err, loss.ErrShape) {
		t.Errorf("overflowing shape: %v", err)
	}
	var r Result
	if _, _, _, err := r.ImageMatrix(MetricDice); !errors.Is(err, loss.ErrOption) {
		t.Errorf("ImageMatrix without images: %v", err)
	}
}

// TestMONAIGeneralizedDice: MONAI's own generalized Dice score cases
// (tests/metrics/test_compute_generalized_dice.py at MONAI d388d1c6f).
func TestMONAIGeneralizedDice(t *testing.T) {
	tc2Pred := []float32{0, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0}
	tc2Y := []float32{0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0}
	for _, c := range []struct {
		name      string
		pred, y   []float32
		C         int
		bg, sum   bool
		red       Reduction
		want      []float64
		tolerance float64
	}{
		{"TEST_CASE_1", []float32{1, 0, 0, 1}, []float32{1, 0, 1, 1}, 1, true, false, ReduceNone, []float64{0.8}, 1e-4},
		{"TEST_CASE_2", tc2Pred, tc2Y, 3, false, false, ReduceMeanBatch, []float64{0.583333, 0.333333}, 1e-4},
		{"TEST_CASE_3", monaiYPred, monaiY, 3, true, true, ReduceMean, []float64{0.5454}, 1e-4},
		{"TEST_CASE_4", monaiYPred, monaiYBg, 3, true, true, ReduceSum, []float64{1.045455}, 1e-4},
		{"TEST_CASE_5", ones(16), ones(16), 2, true, false, ReduceNone, []float64{1, 1, 1, 1}, 1e-4},
		{"TEST_CASE_6", ones(16), make([]float32, 16), 2, true, false, ReduceNone, []float64{0, 0, 0, 0}, 1e-4},
		{"TEST_CASE_7", make([]float32, 16), ones(16), 2, true, false, ReduceNone, []float64{0, 0, 0, 0}, 1e-4},
		{"TEST_CASE_8", make([]float32, 16), make([]float32, 16), 2, true, false, ReduceNone, []float64{1, 1, 1, 1}, 1e-4},
		{"TEST_CASE_9", monaiYPred, monaiY, 3, true, true, ReduceMeanChannel, []float64{0.545455, 0.545455}, 1e-4},
		{"TEST_CASE_10", monaiYPred, monaiY, 3, true, false, ReduceNone, []float64{0.857143, 0, 0, 0.5, 0.4, 0.666667}, 1e-4},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &Counts{C: c.C, PerImage: true}
			if err := m.AddBinary(c.pred, c.y, loss.NewShape(len(c.pred)/(c.C*4), c.C, 2, 2)); err != nil {
				t.Fatal(err)
			}
			f, n, cc, err := m.GeneralizedDice(loss.GDLSquare, !c.bg, c.sum)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := Reduce(f, n, cc, c.red)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if math.Abs(got[i]-c.want[i]) > c.tolerance {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
	if _, _, _, err := (&Counts{C: 2}).GeneralizedDice(loss.GDLSquare, false, true); !errors.Is(err, loss.ErrOption) {
		t.Errorf("without per-image counts: %v", err)
	}
}

// TestImageMatrixHandBuilt: a hand-edited Result with uneven or missing
// per-image scores is an error, not a panic or a wrong-sized matrix.
func TestImageMatrixHandBuilt(t *testing.T) {
	m := &Counts{C: 2, PerImage: true}
	if err := m.AddBinary([]float32{1, 0, 1, 0, 1, 1, 0, 0}, []float32{1, 0, 0, 0, 1, 1, 1, 0}, loss.NewShape(2, 2, 2)); err != nil {
		t.Fatal(err)
	}
	for _, bg := range []bool{false, true} {
		r, err := m.Result(Options{ExcludeBackground: bg})
		if err != nil {
			t.Fatal(err)
		}
		r.Images[1].Dice = nil
		if _, _, _, err := r.ImageMatrix(MetricDice); !errors.Is(err, loss.ErrLength) {
			t.Errorf("bg %v, nil scores: %v", bg, err)
		}
		r.Images[1].Dice = []float64{1, 1, 1}
		if _, _, _, err := r.ImageMatrix(MetricDice); !errors.Is(err, loss.ErrLength) {
			t.Errorf("bg %v, uneven scores: %v", bg, err)
		}
		r.Images[0].Dice = nil
		if _, _, _, err := r.ImageMatrix(MetricDice); !errors.Is(err, loss.ErrLength) {
			t.Errorf("bg %v, no scores in image 0: %v", bg, err)
		}
	}
}
