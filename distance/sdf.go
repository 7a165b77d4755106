package distance

import "fmt"

// SignedMap writes into dst the signed distance map of a binary mask
// (nonzero: object) used by the boundary loss (Kervadec et al. 2019, their
// one_hot2dist): outside the object, the distance to the nearest object
// voxel; inside, minus the distance to the nearest outside voxel, plus 1:
//
//	phi = edt(outside)·outside - (edt(inside) - 1)·inside
//
// with edt = scipy's distance_transform_edt(·, sampling=spacing), so that
// phi is 0 on the object's own boundary voxels (at unit spacing), negative
// deeper inside and positive outside. A mask that is empty or full has no
// boundary: its map is 0 everywhere (one_hot2dist gives zeros for an
// absent class; for a full one scipy measures to a phantom voxel). dst and
// mask have the length of shape's product; one scratch buffer of that size
// is allocated. mask is not modified.
func SignedMap(dst []float32, mask []uint8, shape []int, opt *Options) error {
	n, sp, err := checkVolume(shape, opt)
	if err != nil {
		return err
	}
	if len(mask) != n || len(dst) != n {
		return fmt.Errorf("%w: mask has %d voxels and dst %d elements, want %d for shape %v", ErrLength, len(mask), len(dst), n, shape)
	}
	inv := make([]uint8, n)
	for i, m := range mask {
		if m == 0 {
			inv[i] = 1
		}
	}
	signed(dst, mask, inv, make([]float32, n), shape, sp, opt)
	return nil
}

// signed writes the signed map of pos (object) given its complement neg,
// using tmp (same length) as scratch.
func signed(dst []float32, pos, neg []uint8, tmp []float32, shape []int, sp []float64, opt *Options) {
	var np int
	for _, m := range pos {
		if m != 0 {
			np++
		}
	}
	if np == 0 || np == len(pos) {
		clear(dst)
		return
	}
	transform(dst, neg, shape, sp, opt, false, false) // outside: distance to the object
	transform(tmp, pos, shape, sp, opt, false, false) // inside: distance to the outside
	for i, m := range pos {
		if m != 0 {
			dst[i] = 1 - tmp[i]
		}
	}
}

// SignedMaps writes the signed map (SignedMap) of every class of a batch
// of class-index labels: labels is N × S (S the product of shape), dst is
// N × classes × S, class c of image i at dst[(i·classes+c)·S:], the layout
// the boundary loss reads beside N × C × S logits. A class absent from an
// image, or filling it, has a zero map. Labels outside [0, classes) are an
// error wrapping ErrLabel, naming the first. Scratch of 3·S elements is
// allocated; labels are not modified.
func SignedMaps[L uint8 | int32](dst []float32, labels []L, n, classes int, shape []int, opt *Options) error {
	S, sp, err := checkVolume(shape, opt)
	if err != nil {
		return err
	}
	if n < 1 || classes < 1 {
		return fmt.Errorf("%w: N = %d and classes = %d, want at least 1", ErrShape, n, classes)
	}
	if S > len(labels)/n || len(labels) != n*S {
		return fmt.Errorf("%w: labels have %d elements, want N*S = %d*%d", ErrLength, len(labels), n, S)
	}
	if classes > len(dst)/len(labels) || len(dst) != len(labels)*classes {
		return fmt.Errorf("%w: dst has %d elements, want N*classes*S = %d*%d*%d", ErrLength, len(dst), n, classes, S)
	}
	for i, v := range labels {
		if v < 0 || int(v) >= classes {
			return fmt.Errorf("%w: label %d at index %d, want 0 <= label < classes = %d", ErrLabel, v, i, classes)
		}
	}
	pos, neg, tmp := make([]uint8, S), make([]uint8, S), make([]float32, S)
	for i := 0; i < n; i++ {
		img := labels[i*S : (i+1)*S]
		for c := 0; c < classes; c++ {
			for j, v := range img {
				in := uint8(0)
				if int(v) == c {
					in = 1
				}
				pos[j], neg[j] = in, 1-in
			}
			signed(dst[(i*classes+c)*S:(i*classes+c+1)*S], pos, neg, tmp, shape, sp, opt)
		}
	}
	return nil
}
