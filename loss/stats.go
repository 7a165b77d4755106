package loss

import "fmt"

// Stats are the sufficient statistics of a Multiclass or Binary loss over a
// batch: everything the loss value and the gradient coefficients depend on.
// Computing Stats on each shard of a batch (a group of images, a tile of a
// volume, the part of a data-parallel job one machine holds), merging them,
// and finishing from the merged Stats gives the whole-batch loss: counts
// exactly, sums within float64 rounding.
//
//	var st loss.Stats
//	err := st.Reset(N, C)                              // N: images of the whole batch
//	m.Accumulate(&ws, &st, shard, labels, shape, first) // for each shard, images first..
//	// all-reduce st.Data here (sum) when shards live on several machines
//	v, _ := m.Value(&ws, &st)
//	m.Gradient(&ws, &st, shard, labels, shape, first, grad) // each shard's gradient
type Stats struct {
	// N and C are the images and classes (channels) of the whole batch.
	N, C int
	// Data holds every sum, to be merged by elementwise addition (what an
	// all-reduce of a data-parallel job does): six blocks of N*C values,
	// entry n*C+c each, with p the softmax or sigmoid probabilities and y
	// the one-hot labels or targets of the non-ignored pixels:
	//
	//	sum p, sum p*y, sum y, sum p^2, sum y^2, sum |p - y|
	//
	// (the last for Binary region terms with SoftLabel, else 0),
	// followed by six scalars: the cross-entropy (or BCE) sum, the sum of
	// the cross-entropy class weights of the labels, the focal sum, the
	// number of non-ignored pixels (elements, for Binary), and the divisors
	// of WeightMean: the sum of w*w_y (per-pixel weight times class weight)
	// and of w over the non-ignored pixels (for Binary 0 and the weights'
	// sum). Without per-pixel weights (or without a WeightMean term) they
	// are the second and the fourth (Binary: 0 and the element count).
	Data []float64
	kind statsKind
}

type statsKind int

const (
	kindUnset statsKind = iota
	kindSoftmax
	kindSigmoid
)

const (
	sP = iota
	sPY
	sY
	sPP
	sYY
	sAD
	statBlocks
)

const (
	sCE = iota
	sW
	sFocal
	sValid
	sWW // WeightMean's divisors: sum of w*w_y (Multiclass CE)
	sWV // and of w over the non-ignored pixels (elements, for Binary)
	statScalars
)

// MaxStatsEntries is the largest N*C a Stats holds (six float64 sums per
// image and class: 6 GiB of Data at the limit).
const MaxStatsEntries = 1 << 27

// Reset sizes the statistics for N images of C classes and zeroes them. It
// returns an error wrapping ErrShape, and leaves s unchanged, unless N >= 1,
// C >= 1 and N*C <= MaxStatsEntries.
func (s *Stats) Reset(N, C int) error {
	if N < 1 || C < 1 || N > MaxStatsEntries/C {
		return fmt.Errorf("%w: Stats.Reset(%d, %d): want N >= 1, C >= 1 and N*C <= %d", ErrShape, N, C, MaxStatsEntries)
	}
	s.reset(N, C)
	return nil
}

// reset is Reset for a shape the caller has checked (N*C <= N*C*S, the
// length of a logits slice).
func (s *Stats) reset(N, C int) {
	s.N, s.C, s.kind = N, C, kindUnset
	s.Data = grow(s.Data, statBlocks*N*C+statScalars)
	clear(s.Data)
}

// sized reports whether s's N, C and Data agree (without overflow), as
// Reset leaves them.
func (s *Stats) sized() bool {
	return s.N >= 1 && s.C >= 1 && s.N <= (int(^uint(0)>>1)-statScalars)/statBlocks/s.C &&
		len(s.Data) == statBlocks*s.N*s.C+statScalars
}

// Merge adds o's sums to s. Both must have the same N and C and come from
// the same kind of loss; a nil or unsized o (or s) is an error.
func (s *Stats) Merge(o *Stats) error {
	if s == nil || o == nil {
		return fmt.Errorf("%w: Merge of a nil Stats", ErrOption)
	}
	if !s.sized() || !o.sized() {
		return fmt.Errorf("%w: Merge of Stats that were not Reset (%dx%d with %d values, %dx%d with %d values)",
			ErrShape, s.N, s.C, len(s.Data), o.N, o.C, len(o.Data))
	}
	if s.N != o.N || s.C != o.C || len(s.Data) != len(o.Data) {
		return fmt.Errorf("%w: merging Stats of %dx%d with Stats of %dx%d", ErrShape, o.N, o.C, s.N, s.C)
	}
	if s.kind != kindUnset && o.kind != kindUnset && s.kind != o.kind {
		return fmt.Errorf("%w: merging Multiclass and Binary statistics", ErrOption)
	}
	if s.kind == kindUnset {
		s.kind = o.kind
	}
	for i, v := range o.Data {
		s.Data[i] += v
	}
	return nil
}

func (s *Stats) block(k int) []float64 {
	nc := s.N * s.C
	return s.Data[k*nc : (k+1)*nc]
}

func (s *Stats) scalar(k int) float64 { return s.Data[statBlocks*s.N*s.C+k] }

func (s *Stats) addScalar(k int, v float64) { s.Data[statBlocks*s.N*s.C+k] += v }

// checkShape returns an error unless s is a sized Stats.
func (s *Stats) checkShape() error {
	if s == nil {
		return fmt.Errorf("%w: nil Stats", ErrOption)
	}
	if !s.sized() {
		return fmt.Errorf("%w: Stats of %dx%d with %d values: call Reset first", ErrShape, s.N, s.C, len(s.Data))
	}
	return nil
}

// check returns an error unless s is sized for C classes and at least
// first+n images and holds statistics of the given kind (or none yet).
func (s *Stats) check(first, n, C int, kind statsKind) error {
	if s == nil {
		return fmt.Errorf("%w: nil Stats", ErrOption)
	}
	if !s.sized() {
		return fmt.Errorf("%w: Stats of %dx%d with %d values: call Reset first", ErrShape, s.N, s.C, len(s.Data))
	}
	if s.C != C {
		return fmt.Errorf("%w: Stats have C = %d, the shape C = %d", ErrShape, s.C, C)
	}
	if first < 0 || first > s.N-n {
		return fmt.Errorf("%w: images from %d, %d of them, are outside the Stats' %d images", ErrShape, first, n, s.N)
	}
	if s.kind != kindUnset && s.kind != kind {
		return fmt.Errorf("%w: Stats hold the statistics of another kind of loss (Multiclass vs Binary)", ErrOption)
	}
	return nil
}
