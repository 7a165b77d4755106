package loss

import (
	"fmt"
	"math"
	"slices"
)

// DSWeighting chooses the level weights of DeepSupervision (MONAI's
// weight_mode).
type DSWeighting int

const (
	// DSExp weighs level k by max(1/2^k, 1/16) (MONAI's default "exp").
	DSExp DSWeighting = iota
	// DSSame weighs every level 1.
	DSSame
	// DSTwo weighs level 0 by 1 and every other level by 1/2.
	DSTwo
)

// DSPooling chooses how DeepSupervision brings the labels to a level's
// size.
type DSPooling int

const (
	// DSNearest downsamples the labels by nearest neighbour (torch's
	// F.interpolate mode "nearest", MONAI's DeepSupervisionLoss).
	DSNearest DSPooling = iota
	// DSAnyPresent marks a class present at a level's pixel when any
	// full-resolution pixel of its window has it (PoolAnyPresent: torch's
	// F.adaptive_max_pool of the one-hot labels), so a thin structure
	// never vanishes from a coarse level. Such a level's targets are
	// multi-hot and it runs Loss.BackwardSoft (so the Loss takes what
	// probability targets take: no ignore index, no Focal); a level of the
	// full size runs on the labels themselves. With CE class weights the
	// two kinds of level divide CE Mean differently, each torch's way: the
	// labels' level by the class weights' sum, a pooled level by N·S.
	DSAnyPresent
)

// DeepSupervision is MONAI's DeepSupervisionLoss, nnU-Net's practice: one
// loss over the logits of several decoder levels, level 0 at full
// resolution, each against the full-resolution labels downsampled to its
// size by nearest neighbour (torch's F.interpolate mode "nearest": index
// floor(i · in / out)) or pooled (Pooling), summed with the level weights.
type DeepSupervision struct {
	// Loss is the loss of every level.
	Loss *Multiclass
	// Weights are explicit level weights (finite, >= 0); nil means
	// Weighting's. Fewer weights than levels is an error.
	Weights []float64
	// Weighting is used when Weights is nil.
	Weighting DSWeighting
	// Pooling is how the labels reach a level's size (DSNearest, the
	// default, or DSAnyPresent).
	Pooling DSPooling
}

// PoolAnyPresent writes into dst (n images of C planes of Π out values) 1
// where class c is present in the window of a level's pixel and 0
// elsewhere: along each axis, output index i covers the full-resolution
// indices [floor(i·in/out), ceil((i+1)·in/out)), torch's adaptive pooling
// windows, so dst is F.adaptive_max_pool{1,2,3}d(one_hot(labels), out) (any
// number of axes; out may also exceed full). Labels must be in [0, C)
// (ErrLabel otherwise); sizes have the same number of axes, each >= 1.
func PoolAnyPresent(dst []float32, labels Labels, n, C int, full, out []int) error {
	if len(full) == 0 || len(full) != len(out) {
		return fmt.Errorf("%w: PoolAnyPresent from %v to %v", ErrShape, full, out)
	}
	sf, so := NewShape(n, C, full...), NewShape(n, C, out...)
	if err := sf.check(); err != nil {
		return err
	}
	if err := so.check(); err != nil {
		return err
	}
	if labels.Len() != n*sf.S {
		return fmt.Errorf("%w: labels have %d elements, want N*S = %d", ErrLength, labels.Len(), n*sf.S)
	}
	if len(dst) != so.Len() {
		return fmt.Errorf("%w: dst has %d elements, want N*C*S = %d", ErrLength, len(dst), so.Len())
	}
	if err := checkLabels(labels, C, IgnoreIndex{}); err != nil {
		return err
	}
	rank := len(full)
	lo, hi := make([][]int, rank), make([][]int, rank)
	for a := range full {
		lo[a], hi[a] = make([]int, out[a]), make([]int, out[a])
		for i := range out[a] {
			lo[a][i] = i * full[a] / out[a]
			hi[a][i] = ((i+1)*full[a] + out[a] - 1) / out[a]
		}
	}
	clear(dst)
	oc, wc := make([]int, rank), make([]int, rank)
	for img := 0; img < n; img++ {
		clear(oc)
		for j := 0; j < so.S; j++ {
			if j > 0 {
				next(oc, out)
			}
			for a := range wc {
				wc[a] = lo[a][oc[a]]
			}
			for {
				src := 0
				for a := range wc {
					src = src*full[a] + wc[a]
				}
				var c int
				if labels.i32 != nil {
					c = int(labels.i32[img*sf.S+src])
				} else {
					c = int(labels.u8[img*sf.S+src])
				}
				dst[(img*C+c)*so.S+j] = 1
				// the next voxel of the window, last axis fastest
				a := rank - 1
				for ; a >= 0; a-- {
					wc[a]++
					if wc[a] < hi[a][oc[a]] {
						break
					}
					wc[a] = lo[a][oc[a]]
				}
				if a < 0 {
					break
				}
			}
		}
	}
	return nil
}

// next advances the row-major coordinate c within sizes (last axis
// fastest).
func next(c, sizes []int) {
	for a := len(c) - 1; a >= 0; a-- {
		c[a]++
		if c[a] < sizes[a] {
			return
		}
		c[a] = 0
	}
}

// LevelWeights returns the weights of the first levels levels.
func (d *DeepSupervision) LevelWeights(levels int) ([]float64, error) {
	if levels < 1 {
		return nil, fmt.Errorf("%w: DeepSupervision: %d levels, want at least 1", ErrShape, levels)
	}
	if d.Weights != nil {
		if len(d.Weights) < levels {
			return nil, fmt.Errorf("%w: DeepSupervision: %d weights for %d levels", ErrOption, len(d.Weights), levels)
		}
		for i, w := range d.Weights[:levels] {
			if !(w >= 0) || w > maxWeight {
				return nil, fmt.Errorf("%w: DeepSupervision: weight %d = %v, want 0 <= w <= 2^64 (segloss's bound on weights)", ErrWeight, i, w)
			}
		}
		return append([]float64(nil), d.Weights[:levels]...), nil
	}
	w := make([]float64, levels)
	for k := range w {
		switch d.Weighting {
		case DSExp:
			w[k] = max(math.Pow(0.5, float64(k)), 0.0625)
		case DSSame:
			w[k] = 1
		case DSTwo:
			w[k] = 0.5
			if k == 0 {
				w[k] = 1
			}
		default:
			return nil, fmt.Errorf("%w: DeepSupervision: unknown Weighting %d", ErrOption, int(d.Weighting))
		}
	}
	return w, nil
}

// Downsample writes into dst the labels of n images of spatial size full
// resampled to size out by nearest neighbour (torch F.interpolate,
// mode="nearest"), for any number of axes; dst holds n · Π out labels of
// the same type as labels. Sizes must have the same number of axes, each
// >= 1.
func Downsample(dst, labels Labels, n int, full, out []int) error {
	if len(full) == 0 || len(full) != len(out) {
		return fmt.Errorf("%w: Downsample from %v to %v", ErrShape, full, out)
	}
	sf, so := NewShape(n, 1, full...), NewShape(n, 1, out...)
	if err := sf.check(); err != nil {
		return err
	}
	if err := so.check(); err != nil {
		return err
	}
	if labels.Len() != sf.Len() {
		return fmt.Errorf("%w: labels have %d elements, want N*S = %d", ErrLength, labels.Len(), sf.Len())
	}
	if dst.Len() != so.Len() || (dst.i32 == nil) != (labels.i32 == nil) {
		return fmt.Errorf("%w: dst has %d labels, want N*S = %d of the labels' type", ErrLength, dst.Len(), so.Len())
	}
	rank := len(full)
	// idx[a][i]: the source index along axis a of output index i.
	idx := make([][]int, rank)
	for a := range full {
		idx[a] = make([]int, out[a])
		// torch's CPU kernel in float32: floorf(i * (float)in/out).
		scale := float32(full[a]) / float32(out[a])
		for i := range idx[a] {
			idx[a][i] = min(int(math.Floor(float64(float32(i)*scale))), full[a]-1)
		}
	}
	coord := make([]int, rank)
	for img := 0; img < n; img++ {
		for j := 0; j < so.S; j++ {
			if j > 0 {
				for a := rank - 1; a >= 0; a-- {
					coord[a]++
					if coord[a] < out[a] {
						break
					}
					coord[a] = 0
				}
			}
			src := 0
			for a := range coord {
				src = src*full[a] + idx[a][coord[a]]
			}
			if labels.i32 != nil {
				dst.i32[img*so.S+j] = labels.i32[img*sf.S+src]
			} else {
				dst.u8[img*so.S+j] = labels.u8[img*sf.S+src]
			}
		}
		clear(coord)
	}
	return nil
}

// Backward returns Σ_k w_k · loss_k over the levels, loss_k the loss of
// logits[k] (N × C × out[k]) against the labels (N × full) downsampled to
// out[k], and writes w_k · its gradient into grads[k]. out[k] are the
// spatial sizes of the levels; grads[k] has logits[k]'s length, or grads
// is nil for the value alone. One workspace serves every level; the
// downsampled labels are allocated per call.
func (d *DeepSupervision) Backward(ws *Workspace, logits [][]float32, out [][]int, labels Labels, n, c int, full []int, grads [][]float32) (float64, error) {
	if d.Loss == nil {
		return 0, fmt.Errorf("%w: DeepSupervision has no Loss", ErrOption)
	}
	if len(out) != len(logits) || (grads != nil && len(grads) != len(logits)) {
		return 0, fmt.Errorf("%w: %d logits, %d sizes and %d gradients, want one of each per level", ErrLength, len(logits), len(out), len(grads))
	}
	w, err := d.LevelWeights(len(logits))
	if err != nil {
		return 0, err
	}
	anyPresent := d.Pooling == DSAnyPresent
	switch {
	case d.Pooling != DSNearest && !anyPresent:
		return 0, fmt.Errorf("%w: DeepSupervision: unknown Pooling %d", ErrOption, int(d.Pooling))
	case anyPresent && d.Loss.Ignore.set:
		return 0, fmt.Errorf("%w: DeepSupervision: DSAnyPresent takes no ignore index (its levels have probability targets)", ErrOption)
	case anyPresent:
		if err := d.Loss.softTermsOK(); err != nil {
			return 0, fmt.Errorf("DeepSupervision with DSAnyPresent: %w", err)
		}
	}
	// Every level is checked, and its labels downsampled, before the first
	// gradient is written: a call that fails writes nothing.
	labs := make([]Labels, len(logits))
	soft := make([][]float32, len(logits)) // DSAnyPresent: a level's multi-hot targets
	for k := range logits {
		sh := NewShape(n, c, out[k]...)
		if err := sh.check(); err != nil {
			return 0, fmt.Errorf("level %d: %w", k, err)
		}
		if len(logits[k]) != sh.Len() {
			return 0, fmt.Errorf("%w: level %d: logits of %d elements, want N*C*S = %d", ErrLength, k, len(logits[k]), sh.Len())
		}
		if grads != nil && len(grads[k]) != sh.Len() {
			return 0, fmt.Errorf("%w: level %d: grad of %d elements, want N*C*S = %d", ErrLength, k, len(grads[k]), sh.Len())
		}
		if anyPresent && !slices.Equal(out[k], full) {
			soft[k] = make([]float32, sh.Len())
			if err := PoolAnyPresent(soft[k], labels, n, c, full, out[k]); err != nil {
				return 0, fmt.Errorf("level %d: %w", k, err)
			}
			continue
		}
		if labels.i32 != nil {
			labs[k] = I32(make([]int32, n*sh.S))
		} else {
			labs[k] = U8(make([]uint8, n*sh.S))
		}
		if err := Downsample(labs[k], labels, n, full, out[k]); err != nil {
			return 0, fmt.Errorf("level %d: %w", k, err)
		}
		if err := labs[k].Check(c, d.Loss.Ignore); err != nil {
			return 0, fmt.Errorf("level %d: %w", k, err)
		}
	}
	if grads != nil && d.Loss.Activation == NoActivation {
		// Each level's pass checks its probabilities before it writes its
		// own gradient, but after the earlier levels wrote theirs: the
		// later levels are checked here.
		for k := 1; k < len(logits); k++ {
			if err := checkProbs(logits[k]); err != nil {
				return 0, fmt.Errorf("level %d: %w", k, err)
			}
		}
	}
	var total float64
	for k := range logits {
		sh := NewShape(n, c, out[k]...)
		lab := labs[k]
		var v float64
		switch {
		case soft[k] != nil && grads == nil:
			v, err = d.Loss.ForwardSoft(ws, logits[k], soft[k], sh)
		case soft[k] != nil:
			v, err = d.Loss.BackwardSoft(ws, logits[k], soft[k], sh, grads[k])
			if err == nil {
				s := float32(w[k])
				for i := range grads[k] {
					grads[k][i] *= s
				}
			}
		case grads == nil:
			v, err = d.Loss.Forward(ws, logits[k], lab, sh)
		default:
			v, err = d.Loss.Backward(ws, logits[k], lab, sh, grads[k])
			if err == nil {
				s := float32(w[k])
				for i := range grads[k] {
					grads[k][i] *= s
				}
			}
		}
		if err != nil {
			return 0, fmt.Errorf("level %d: %w", k, err)
		}
		total += w[k] * v
	}
	return total, nil
}
