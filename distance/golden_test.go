package distance

import (
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// num is a JSON number, or the strings "inf" and "nan".
type num float64

func (n *num) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v, err := strconv.ParseFloat(s, 64)
		*n = num(v)
		return err
	}
	var v float64
	err := json.Unmarshal(b, &v)
	*n = num(v)
	return err
}

// goldenCase is one case of testdata/distance.json.gz (see
// testdata/distance_golden.py for every kind).
type goldenCase struct {
	Kind, Name   string
	Shape        []int
	Spacing      []float64
	Mask         []uint8
	Want         []float64
	N, Classes   int
	Labels       []int32
	Connectivity int
	Count        int
	W0, Sigma    float64
	ClassWeights []float64 `json:"class_weights"`
	Instances    []int32
	Pred, Ref    []uint8
	Percentiles  []float64
	HD           []num `json:"hd"`
	HDDirected   []num `json:"hd_directed"`
	ASD, ASSD    num
	Taus         []float64
	NSD          []num     `json:"nsd"`
	PredToRef    []float64 `json:"pred_to_ref"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	f, err := os.Open("../testdata/distance.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Scipy string
		Cases []goldenCase
	}
	if err := json.NewDecoder(z).Decode(&g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 40 {
		t.Fatalf("%d cases", len(g.Cases))
	}
	return g.Cases
}

// close reports whether got is want within float32 rounding of the
// separable passes (rel) plus abs.
func closeTo(got float32, want, rel, abs float64) bool {
	if math.IsInf(want, 0) || math.IsNaN(want) {
		return float64(got) == want || (math.IsNaN(want) && got != got)
	}
	return math.Abs(float64(got)-want) <= rel*math.Abs(want)+abs
}

func sameScalar(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	if math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= 3e-7*math.Abs(want)+1e-9
}

func TestGolden(t *testing.T) {
	kinds := map[string]int{}
	for _, c := range loadGolden(t) {
		if c.Kind == "boundary" || c.Kind == "hdt" {
			continue // the loss terms: package loss tests them
		}
		kinds[c.Kind]++
		t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			opt := &Options{Spacing: c.Spacing, Workers: 2}
			switch c.Kind {
			case "edt":
				got := make([]float32, len(c.Mask))
				if err := EDT(got, c.Mask, c.Shape, opt); err != nil {
					t.Fatal(err)
				}
				for i, w := range c.Want {
					if !closeTo(got[i], w, 3e-7, 0) {
						t.Fatalf("voxel %d = %v, want %v", i, got[i], w)
					}
				}
			case "sdf":
				got := make([]float32, len(c.Want))
				if err := SignedMaps(got, c.Labels, c.N, c.Classes, c.Shape, opt); err != nil {
					t.Fatal(err)
				}
				for i, w := range c.Want {
					if !closeTo(got[i], w, 3e-7, 3e-7) {
						t.Fatalf("element %d = %v, want %v", i, got[i], w)
					}
				}
				// The uint8 form gives the same bits.
				u8 := make([]uint8, len(c.Labels))
				for i, v := range c.Labels {
					u8[i] = uint8(v)
				}
				got8 := make([]float32, len(c.Want))
				if err := SignedMaps(got8, u8, c.N, c.Classes, c.Shape, opt); err != nil {
					t.Fatal(err)
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(got8[i]) {
						t.Fatalf("uint8 labels differ at %d", i)
					}
				}
			case "label":
				got := make([]int32, len(c.Mask))
				count, err := Components(got, c.Mask, c.Shape, c.Connectivity)
				if err != nil {
					t.Fatal(err)
				}
				if count != c.Count {
					t.Fatalf("count %d, want %d", count, c.Count)
				}
				for i, w := range c.Want {
					if got[i] != int32(w) {
						t.Fatalf("voxel %d = %d, want %v", i, got[i], w)
					}
				}
			case "weight":
				got := make([]float32, len(c.Instances))
				wo := &WeightOptions{W0: c.W0, Sigma: c.Sigma, ClassWeights: c.ClassWeights, Options: *opt}
				if err := WeightMap(got, c.Instances, c.Shape, wo); err != nil {
					t.Fatal(err)
				}
				for i, w := range c.Want {
					if !closeTo(got[i], w, 2e-6, c.W0*0x1p-30) {
						t.Fatalf("pixel %d = %v, want %v", i, got[i], w)
					}
				}
			case "surface":
				var s Surfaces
				if err := s.Compute(c.Pred, c.Ref, c.Shape, &SurfaceOptions{Options: *opt}); err != nil {
					t.Fatal(err)
				}
				for k, p := range c.Percentiles {
					hd, err := s.Hausdorff(p, false)
					if err != nil {
						t.Fatal(err)
					}
					dir, _ := s.Hausdorff(p, true)
					if !sameScalar(hd, float64(c.HD[k])) || !sameScalar(dir, float64(c.HDDirected[k])) {
						t.Fatalf("percentile %v: HD %v directed %v, want %v and %v", p, hd, dir, c.HD[k], c.HDDirected[k])
					}
				}
				if asd, assd := s.AverageDistance(false), s.AverageDistance(true); !sameScalar(asd, float64(c.ASD)) || !sameScalar(assd, float64(c.ASSD)) {
					t.Fatalf("ASD %v ASSD %v, want %v and %v", asd, assd, c.ASD, c.ASSD)
				}
				for k, tau := range c.Taus {
					nsd, err := s.SurfaceDice(tau)
					if err != nil || !sameScalar(nsd, float64(c.NSD[k])) {
						t.Fatalf("NSD at %v = %v (%v), want %v", tau, nsd, err, c.NSD[k])
					}
				}
				if c.PredToRef != nil {
					s.sort()
					if len(s.sortedP) != len(c.PredToRef) {
						t.Fatalf("%d prediction surface voxels, want %d", len(s.sortedP), len(c.PredToRef))
					}
					for i, w := range c.PredToRef {
						if !closeTo(s.sortedP[i], w, 3e-7, 0) {
							t.Fatalf("sorted distance %d = %v, want %v", i, s.sortedP[i], w)
						}
					}
				}
			default:
				t.Fatalf("unknown kind %q", c.Kind)
			}
		})
	}
	for _, k := range []string{"edt", "sdf", "label", "weight", "surface"} {
		if kinds[k] == 0 {
			t.Errorf("no %s cases", k)
		}
	}
}
