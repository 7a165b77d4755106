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
//	st.Reset(N, C)                                     // N: images of the whole batch
//	m.Accumulate(&ws, &st, shard, labels, shape, first) // for each shard, images first..
//	// all-reduce st.Data here (sum) when shards live on several machines
//	v, _ := m.Value(&ws, &st)
//	m.Gradient(&ws, &st, shard, labels, shape, first, grad) // each shard's gradient
type Stats struct {
	// N and C are the images and classes (channels) of the whole batch.
	N, C int
	// Data holds every sum, to be merged by elementwise addition (what an
	// all-reduce of a data-parallel job does): five blocks of N*C values,
	// entry n*C+c each, with p the softmax or sigmoid probabilities and y
	// the one-hot labels or targets of the non-ignored pixels:
	//
	//	sum p, sum p*y, sum y, sum p^2, sum y^2
	//
	// followed by four scalars: the cross-entropy (or BCE) sum, the sum of
	// the cross-entropy class weights of the labels, the focal sum, and the
	// number of non-ignored pixels (elements, for Binary).
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
	statBlocks
)

const (
	sCE = iota
	sW
	sFocal
	sValid
	statScalars
)

// Reset sizes the statistics for N images of C classes and zeroes them.
func (s *Stats) Reset(N, C int) {
	s.N, s.C, s.kind = N, C, kindUnset
	s.Data = grow(s.Data, statBlocks*N*C+statScalars)
	clear(s.Data)
}

// Merge adds o's sums to s. Both must have the same N and C and come from
// the same kind of loss.
func (s *Stats) Merge(o *Stats) error {
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

// check returns an error unless s is sized for C classes and at least
// first+n images and holds statistics of the given kind (or none yet).
func (s *Stats) check(first, n, C int, kind statsKind) error {
	if s == nil {
		return fmt.Errorf("%w: nil Stats", ErrOption)
	}
	if s.N < 1 || s.C < 1 || len(s.Data) != statBlocks*s.N*s.C+statScalars {
		return fmt.Errorf("%w: Stats of %dx%d with %d values: call Reset first", ErrShape, s.N, s.C, len(s.Data))
	}
	if s.C != C {
		return fmt.Errorf("%w: Stats have C = %d, the shape C = %d", ErrShape, s.C, C)
	}
	if first < 0 || first+n > s.N {
		return fmt.Errorf("%w: images %d..%d are outside the Stats' %d images", ErrShape, first, first+n-1, s.N)
	}
	if s.kind != kindUnset && s.kind != kind {
		return fmt.Errorf("%w: Stats hold the statistics of another kind of loss (Multiclass vs Binary)", ErrOption)
	}
	return nil
}
