package loss

import (
	"fmt"
	"math"
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

// DeepSupervision is MONAI's DeepSupervisionLoss, nnU-Net's practice: one
// loss over the logits of several decoder levels, level 0 at full
// resolution, each against the full-resolution labels downsampled to its
// size by nearest neighbour (torch's F.interpolate mode "nearest": index
// floor(i · in / out)), summed with the level weights.
type DeepSupervision struct {
	// Loss is the loss of every level.
	Loss *Multiclass
	// Weights are explicit level weights (finite, >= 0); nil means
	// Weighting's. Fewer weights than levels is an error.
	Weights []float64
	// Weighting is used when Weights is nil.
	Weighting DSWeighting
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
	// Every level is checked, and its labels downsampled, before the first
	// gradient is written: a call that fails writes nothing.
	labs := make([]Labels, len(logits))
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
	var total float64
	for k := range logits {
		sh := NewShape(n, c, out[k]...)
		lab := labs[k]
		var v float64
		if grads == nil {
			v, err = d.Loss.Forward(ws, logits[k], lab, sh)
		} else {
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
