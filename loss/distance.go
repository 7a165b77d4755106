package loss

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/segloss/segloss/distance"
	"github.com/segloss/segloss/internal/kernels"
)

// The distance-based terms: Kervadec's boundary loss and Karimi and
// Salcudean's Hausdorff distance-transform loss. Unlike the terms of
// Multiclass and Binary they do not run in the fused passes (each reads a
// distance map beside the logits, and HausdorffDT recomputes the
// prediction's map every call); they are separate losses, split across
// their own goroutines (Workers), whose Loss methods add weight × their
// gradient into a gradient buffer, so that they combine with a Multiclass
// or Binary loss written into the same buffer first:
//
//	v, _ := dice.Backward(&ws, logits, labels, sh, grad)       // writes grad
//	b, _ := boundary.Loss(logits, phi, sh, alpha, grad)         // adds alpha·∂b
//	total := v + alpha*b
//
// and with a Schedule for the weight (Kervadec ramp the boundary weight up
// over the epochs).

// Boundary is the boundary loss of Kervadec et al. (2019): the mean over
// images, the chosen classes and pixels of p_c(x)·phi_c(x), with phi_c the
// signed distance map of class c of the target (distance.SignedMaps or
// distance.SignedMap: negative inside, positive outside), computed once
// per label set. Softmax probabilities (Loss) or sigmoid (BinaryLoss).
type Boundary struct {
	// IncludeBackground counts class 0 too (softmax only). By default it
	// is left out, as Kervadec's idc = [1, ..., C-1].
	IncludeBackground bool
	// Workers is the number of goroutines a call may use (0: GOMAXPROCS),
	// over blocks of pixels; inputs under about 128k logits stay on the
	// caller's goroutine. The result is bit-identical for any Workers.
	Workers int
}

// HausdorffDT is the Hausdorff distance-transform loss of Karimi and
// Salcudean (2019), as MONAI's HausdorffDTLoss computes it: per image and
// chosen channel c,
//
//	mean_x (p_c - y_c)² · (d_p(x)^alpha + d_y(x)^alpha)
//
// averaged over images and channels, where d_y is the distance field of
// the target mask and d_p that of the thresholded prediction p_c > 0.5,
// recomputed every call and held constant in the gradient (MONAI computes
// it from the detached input). A field is each voxel's distance to the
// nearest voxel of the other set (the EDT of the mask plus that of its
// complement), and 0 everywhere for a mask that is empty or full, as in
// MONAI. With Log the loss is log(1 + that), MONAI's LogHausdorffDTLoss.
type HausdorffDT struct {
	// Alpha is the exponent of the distances; 0 means MONAI's 2.
	Alpha float64
	// IncludeBackground counts channel 0 of a softmax loss too (MONAI's
	// include_background, whose default segloss follows: false). BinaryLoss
	// uses every channel.
	IncludeBackground bool
	// Log gives log(1 + loss).
	Log bool
	// Spacing is the voxel spacing of the distance fields (one per spatial
	// axis); nil means 1 (MONAI's loss has no spacing).
	Spacing []float64
	// Workers is the number of goroutines a call may use (0: GOMAXPROCS),
	// over images and channels (each channel's transforms on one);
	// inputs under about 128k logits stay on the caller's goroutine. The
	// result is bit-identical for any Workers.
	Workers int
}

// distRun runs f over the units [0, units) in contiguous ranges, one per
// goroutine: the option's count (0: GOMAXPROCS), at most units, and one
// (the caller's) for inputs under minParallel logits. f(lo, hi, w) gets
// the number of goroutines w.
func distRun(option int, sh Shape, units int, f func(lo, hi, w int)) {
	w := workerCount(option, sh, units)
	if w <= 1 {
		f(0, units, 1)
		return
	}
	var wg sync.WaitGroup
	for k := 1; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(k*units/w, (k+1)*units/w, w)
		}()
	}
	f(0, units/w, w)
	wg.Wait()
}

// checkDistArgs checks the shape, the logits and the gradient buffer,
// which must not overlap the logits or any of ins.
func checkDistArgs(logits []float32, sh Shape, weight float64, grad []float32, ins ...[]float32) error {
	if err := sh.check(); err != nil {
		return err
	}
	if len(logits) != sh.Len() {
		return fmt.Errorf("%w: logits have %d elements, want N*C*S = %d (layout N x C x spatial)", ErrLength, len(logits), sh.Len())
	}
	if grad != nil && len(grad) != sh.Len() {
		return fmt.Errorf("%w: grad has %d elements, want N*C*S = %d", ErrLength, len(grad), sh.Len())
	}
	if math.IsNaN(weight) || math.IsInf(weight, 0) {
		return fmt.Errorf("%w: weight %v, want a finite value", ErrOption, weight)
	}
	if grad != nil {
		// the inputs in an array on the stack (an append allocated: one
		// allocation per call of Lovasz.BinaryLossWith)
		var all [4][]float32
		all[0] = logits
		if len(ins) > len(all)-1 {
			return checkAlias(grad, "grad", append([][]float32{logits}, ins...)...)
		}
		n := copy(all[1:], ins)
		return checkAlias(grad, "grad", all[:1+n]...)
	}
	return nil
}

// maxAbs returns the largest |v| of a (NaN counted as +Inf).
func maxAbs(a []float32) float64 {
	m := 0.0
	for _, v := range a {
		x := math.Abs(float64(v))
		if !(x <= m) {
			m = x
			if math.IsNaN(x) {
				return math.Inf(1)
			}
		}
	}
	return m
}

// softmaxImage writes into p (C×S) the softmax over the C planes of the
// logits x of one image, with the active tier's exp; t is scratch of
// kernels.BlockSize.
func softmaxImage(p, x []float32, C, S int, t []float32) {
	for lo := 0; lo < S; lo += kernels.BlockSize {
		w := min(kernels.BlockSize, S-lo)
		softmaxBlock(p[lo:], S, x[lo:], S, C, w, t)
	}
}

// softmaxBlock writes into p[c·ps : c·ps+w] the softmax over the C planes
// x[c·xs : c·xs+w] of w pixels; t is scratch of w.
func softmaxBlock(p []float32, ps int, x []float32, xs, C, w int, t []float32) {
	m := t[:w]
	copy(m, x[:w])
	for c := 1; c < C; c++ {
		xc := x[c*xs : c*xs+w]
		for i, v := range xc {
			m[i] = max(m[i], v)
		}
	}
	for c := 0; c < C; c++ {
		pc, xc := p[c*ps:c*ps+w], x[c*xs:c*xs+w]
		for i, v := range xc {
			pc[i] = v - m[i]
		}
		kernels.Exp(pc, pc)
	}
	copy(m, p[:w])
	for c := 1; c < C; c++ {
		for i, v := range p[c*ps : c*ps+w] {
			m[i] += v
		}
	}
	for i, v := range m {
		m[i] = 1 / v
	}
	for c := 0; c < C; c++ {
		pc := p[c*ps : c*ps+w]
		for i := range pc {
			pc[i] *= m[i]
		}
	}
}

// Loss returns the boundary loss of softmax probabilities of logits (N ×
// C × S) against the signed maps phi (N × C × S, distance.SignedMaps), and
// when grad is not nil adds weight × its gradient by the logits into grad.
// With one class and no background there is no term: 0.
func (b *Boundary) Loss(logits, phi []float32, sh Shape, weight float64, grad []float32) (float64, error) {
	if err := checkDistArgs(logits, sh, weight, grad, phi); err != nil {
		return 0, err
	}
	if len(phi) != sh.Len() {
		return 0, fmt.Errorf("%w: phi has %d elements, want N*C*S = %d", ErrLength, len(phi), sh.Len())
	}
	C, S := sh.C, sh.S
	c0 := 1
	if b.IncludeBackground {
		c0 = 0
	}
	k := C - c0
	if k < 1 {
		return 0, nil
	}
	den := float64(sh.N) * float64(k) * float64(S)
	if grad != nil {
		// |dL/dx| <= 2·|weight|/den·max|phi|: refuse what float32 cannot
		// hold, having written nothing.
		if err := rangeErr(2*weight/den*maxAbs(phi), "the boundary gradient's bound"); err != nil {
			v, _ := b.Loss(logits, phi, sh, 0, nil)
			return v, err
		}
	}
	B := min(kernels.BlockSize, S)
	nb := (S + B - 1) / B
	sums := make([]float64, sh.N*nb) // per block of an image, added in order
	scale := float32(weight / den)
	distRun(b.Workers, sh, len(sums), func(u0, u1, _ int) {
		p := make([]float32, C*B)
		t := make([]float32, B)
		sum := make([]float32, B)
		for u := u0; u < u1; u++ {
			n, lo := u/nb, u%nb*B
			x := logits[n*C*S : (n+1)*C*S]
			ph := phi[n*C*S : (n+1)*C*S]
			w := min(B, S-lo)
			softmaxBlock(p, B, x[lo:], S, C, w, t)
			// Per pixel: s = Σ_c p_c phi_c over the chosen classes (the
			// pixel's loss), and dL/dx_j = p_j (phi_j - s), phi_0 = 0
			// when the background is left out.
			s := sum[:w]
			clear(s)
			for c := c0; c < C; c++ {
				pc, fc := p[c*B:c*B+w], ph[c*S+lo:c*S+lo+w]
				for i, v := range pc {
					s[i] += v * fc[i]
				}
			}
			var blk float64
			for _, v := range s {
				blk += float64(v)
			}
			sums[u] = blk
			if grad == nil {
				continue
			}
			g := grad[n*C*S:]
			for c := 0; c < C; c++ {
				pc, gc := p[c*B:c*B+w], g[c*S+lo:c*S+lo+w]
				if c < c0 {
					for i, v := range pc {
						gc[i] -= scale * v * s[i]
					}
					continue
				}
				fc := ph[c*S+lo : c*S+lo+w]
				for i, v := range pc {
					gc[i] += scale * v * (fc[i] - s[i])
				}
			}
		}
	})
	var total float64
	for _, v := range sums {
		total += v
	}
	return total / den, nil
}

// BinaryLoss is Loss for sigmoid probabilities: every channel of logits
// (N × C × S) against its signed map in phi (N × C × S).
func (b *Boundary) BinaryLoss(logits, phi []float32, sh Shape, weight float64, grad []float32) (float64, error) {
	if err := checkDistArgs(logits, sh, weight, grad, phi); err != nil {
		return 0, err
	}
	if len(phi) != sh.Len() {
		return 0, fmt.Errorf("%w: phi has %d elements, want N*C*S = %d", ErrLength, len(phi), sh.Len())
	}
	den := float64(sh.Len())
	if grad != nil {
		if err := rangeErr(weight/den*maxAbs(phi)/4, "the boundary gradient's bound"); err != nil {
			v, _ := b.BinaryLoss(logits, phi, sh, 0, nil)
			return v, err
		}
	}
	B := kernels.BlockSize
	sums := make([]float64, (len(logits)+B-1)/B) // per block, added in order
	distRun(b.Workers, sh, len(sums), func(u0, u1, _ int) {
		p := make([]float32, B)
		for u := u0; u < u1; u++ {
			lo := u * B
			w := min(B, len(logits)-lo)
			kernels.Sigmoid(p[:w], logits[lo:lo+w])
			var blk float64
			for i, v := range p[:w] {
				f := float64(phi[lo+i])
				blk += float64(v) * f
				if grad != nil {
					grad[lo+i] += float32(weight / den * f * float64(v) * (1 - float64(v)))
				}
			}
			sums[u] = blk
		}
	})
	var total float64
	for _, v := range sums {
		total += v
	}
	return total / den, nil
}

// hdtScratch holds the planes of HausdorffDT: the prediction and target
// masks, a complement, the target plane as float32 and the fields.
type hdtScratch struct {
	pm, ym, inv []uint8
	yf          []float32
	t1, t2      []float32 // the two transforms of a field
	f, d        []float64 // the target's and the prediction's field^alpha
}

func newHDTScratch(S int) *hdtScratch {
	return &hdtScratch{make([]uint8, S), make([]uint8, S), make([]uint8, S), make([]float32, S),
		make([]float32, S), make([]float32, S), make([]float64, S), make([]float64, S)}
}

// field writes into dst the distance field of mask m raised to alpha (0
// everywhere when m is empty or full), in float64: a field^alpha passes
// float32's range at distances of 256 with alpha 16.
func (sc *hdtScratch) field(dst []float64, m []uint8, spatial []int, opt *distance.Options, alpha float64) error {
	var k int
	for _, v := range m {
		if v != 0 {
			k++
		}
	}
	if k == 0 || k == len(m) {
		clear(dst)
		return nil
	}
	for i, v := range m {
		sc.inv[i] = 1 - v
	}
	// The two transforms have disjoint supports, so the field to the power
	// alpha is the sum of their powers; alpha = 2 needs no square root.
	sq := alpha == 2
	edt := distance.EDT
	if sq {
		edt = distance.EDTSquared
	}
	if err := edt(sc.t1, m, spatial, opt); err != nil {
		return err
	}
	if err := edt(sc.t2, sc.inv, spatial, opt); err != nil {
		return err
	}
	for i := range dst {
		v := float64(sc.t1[i]) + float64(sc.t2[i])
		if !sq {
			v = math.Pow(v, alpha)
		}
		dst[i] = v
	}
	return nil
}

func (h *HausdorffDT) check(sh Shape, spatial []int) (float64, *distance.Options, error) {
	alpha := h.Alpha
	if alpha == 0 {
		alpha = 2
	}
	if !(alpha > 0) || alpha > 16 {
		return 0, nil, fmt.Errorf("%w: HausdorffDT.Alpha = %v, want 0 < alpha <= 16", ErrOption, h.Alpha)
	}
	s := 1
	for _, d := range spatial {
		if d < 1 || s > math.MaxInt/d {
			return 0, nil, fmt.Errorf("%w: spatial sizes %v", ErrShape, spatial)
		}
		s *= d
	}
	if len(spatial) == 0 || s != sh.S {
		return 0, nil, fmt.Errorf("%w: spatial sizes %v do not multiply to S = %d", ErrShape, spatial, sh.S)
	}
	opt := &distance.Options{Spacing: h.Spacing}
	if err := distance.Check(spatial, opt); err != nil {
		return 0, nil, fmt.Errorf("%w: HausdorffDT.Spacing: %w", ErrOption, err)
	}
	return alpha, opt, nil
}

// inner returns the options of the transforms of a call whose terms run
// on w goroutines: with one, the transforms take the call's Workers; with
// more, one each (the terms are the parallel units). Every transform is
// bit-identical for any worker count.
func (h *HausdorffDT) inner(opt *distance.Options, w int) *distance.Options {
	o := *opt
	o.Workers = 1
	if w == 1 {
		o.Workers = h.Workers
		if o.Workers <= 0 {
			o.Workers = runtime.GOMAXPROCS(0)
		}
	}
	return &o
}

// addRaw adds weight·f·raw into grad, unless a value leaves float32
// (ErrRange, nothing written).
func addRaw(grad []float32, raw []float64, weight, f float64) error {
	m := 0.0
	for _, v := range raw {
		if x := math.Abs(v); !(x <= m) {
			m = x
		}
	}
	if err := rangeErr(math.Abs(weight*f)*m, "the Hausdorff DT gradient"); err != nil {
		return err
	}
	for i, v := range raw {
		grad[i] += float32(weight * f * v)
	}
	return nil
}

// finish turns the sum of the terms into the loss and the factor of the
// raw gradient.
func (h *HausdorffDT) finish(total, den float64) (float64, float64) {
	l := total / den
	if h.Log {
		return math.Log1p(l), 1 / (den * (1 + l))
	}
	return l, 1 / den
}

// Loss returns the Hausdorff DT loss of softmax probabilities of logits
// (N × C × spatial) against class-index labels (their one-hot), spatial
// the sizes whose product is S; when grad is not nil it adds weight × the
// gradient by the logits into grad. Labels outside [0, C) are an error.
// It allocates the probabilities (the logits' size), the raw gradient in
// float64 when grad is given (the Log form's factor is known only at the
// end), and a few planes per goroutine.
func (h *HausdorffDT) Loss(logits []float32, labels Labels, sh Shape, spatial []int, weight float64, grad []float32) (float64, error) {
	if err := checkDistArgs(logits, sh, weight, grad); err != nil {
		return 0, err
	}
	alpha, opt, err := h.check(sh, spatial)
	if err != nil {
		return 0, err
	}
	if labels.Len() != sh.N*sh.S {
		return 0, fmt.Errorf("%w: labels have %d elements, want N*S = %d", ErrLength, labels.Len(), sh.N*sh.S)
	}
	if err := checkLabels(labels, sh.C, IgnoreIndex{}); err != nil {
		return 0, err
	}
	C, S := sh.C, sh.S
	c0 := 1
	if h.IncludeBackground || C == 1 {
		c0 = 0
	}
	den := float64(sh.N) * float64(C-c0) * float64(S)
	// The images' softmax, then each (image, channel) term on one
	// goroutine (its sum kept and added in order), then each image's
	// Jacobian.
	p := make([]float32, len(logits))
	distRun(h.Workers, sh, sh.N, func(n0, n1, _ int) {
		t := make([]float32, kernels.BlockSize)
		for n := n0; n < n1; n++ {
			softmaxImage(p[n*C*S:(n+1)*C*S], logits[n*C*S:(n+1)*C*S], C, S, t)
		}
	})
	var raw []float64
	if grad != nil {
		raw = make([]float64, len(logits))
	}
	k := C - c0
	sums, errs := make([]float64, sh.N*k), make([]error, sh.N*k)
	distRun(h.Workers, sh, len(sums), func(u0, u1, w int) {
		sc := newHDTScratch(S)
		o := h.inner(opt, w)
		for u := u0; u < u1; u++ {
			n, c := u/k, c0+u%k
			for i := 0; i < S; i++ {
				var v int32
				if l := labels.Int32(); l != nil {
					v = l[n*S+i]
				} else {
					v = int32(labels.Uint8()[n*S+i])
				}
				sc.ym[i], sc.yf[i] = 0, 0
				if int(v) == c {
					sc.ym[i], sc.yf[i] = 1, 1
				}
			}
			var g []float64
			if raw != nil {
				g = raw[(n*C+c)*S : (n*C+c+1)*S]
			}
			sums[u], errs[u] = sc.channel(p[(n*C+c)*S:(n*C+c+1)*S], sc.yf, g, spatial, o, alpha)
		}
	})
	var total float64
	for u, s := range sums {
		if errs[u] != nil {
			return 0, errs[u]
		}
		total += s
	}
	if raw != nil {
		// raw holds dL/dp (0 for a left-out channel 0); the softmax
		// Jacobian, in place, without the scale (known at the end; a
		// linear map).
		distRun(h.Workers, sh, sh.N, func(n0, n1, _ int) {
			for n := n0; n < n1; n++ {
				softmaxJacobian(raw[n*C*S:(n+1)*C*S], p[n*C*S:(n+1)*C*S], C, S)
			}
		})
	}
	l, f := h.finish(total, den)
	if grad != nil {
		if err := addRaw(grad, raw, weight, f); err != nil {
			return l, err
		}
	}
	return l, nil
}

// softmaxJacobian replaces g (C×S, dL/dp, float64) by the gradient
// through the softmax, p_j (g_j - Σ_c p_c g_c), for float32 or float64
// probabilities p.
func softmaxJacobian[P float32 | float64](g []float64, p []P, C, S int) {
	for i := 0; i < S; i++ {
		var s float64
		for c := 0; c < C; c++ {
			s += float64(p[c*S+i]) * g[c*S+i]
		}
		for c := 0; c < C; c++ {
			j := c*S + i
			g[j] = float64(p[j]) * (g[j] - s)
		}
	}
}

// BinaryLoss is Loss for sigmoid probabilities of every channel of logits
// (N × C × spatial) against float targets (a target mask is y > 0.5).
func (h *HausdorffDT) BinaryLoss(logits, targets []float32, sh Shape, spatial []int, weight float64, grad []float32) (float64, error) {
	if err := checkDistArgs(logits, sh, weight, grad, targets); err != nil {
		return 0, err
	}
	alpha, opt, err := h.check(sh, spatial)
	if err != nil {
		return 0, err
	}
	if len(targets) != sh.Len() {
		return 0, fmt.Errorf("%w: targets have %d elements, want N*C*S = %d", ErrLength, len(targets), sh.Len())
	}
	S := sh.S
	den := float64(sh.Len())
	var raw []float64
	if grad != nil {
		raw = make([]float64, len(logits))
	}
	// Each (image, channel) term on one goroutine, its sum kept and added
	// in order.
	sums, errs := make([]float64, sh.N*sh.C), make([]error, sh.N*sh.C)
	distRun(h.Workers, sh, len(sums), func(k0, k1, w int) {
		sc := newHDTScratch(S)
		p := make([]float32, S)
		o := h.inner(opt, w)
		for k := k0; k < k1; k++ {
			x := logits[k*S : (k+1)*S]
			for lo := 0; lo < S; lo += kernels.BlockSize {
				w := min(kernels.BlockSize, S-lo)
				kernels.Sigmoid(p[lo:lo+w], x[lo:lo+w])
			}
			// MONAI's squared error uses the float target, its field the
			// mask.
			y := targets[k*S : (k+1)*S]
			for i, v := range y {
				sc.ym[i] = 0
				if v > 0.5 {
					sc.ym[i] = 1
				}
			}
			var g []float64
			if raw != nil {
				g = raw[k*S : (k+1)*S]
			}
			sums[k], errs[k] = sc.channel(p, y, g, spatial, o, alpha)
			if g != nil && errs[k] == nil {
				for i, v := range p {
					g[i] *= float64(v) * (1 - float64(v))
				}
			}
		}
	})
	var total float64
	for k, s := range sums {
		if errs[k] != nil {
			return 0, errs[k]
		}
		total += s
	}
	l, f := h.finish(total, den)
	if grad != nil {
		if err := addRaw(grad, raw, weight, f); err != nil {
			return l, err
		}
	}
	return l, nil
}

// channel returns Σ (p - y)² D over one plane, D the sum of the fields of
// the prediction's mask p > 0.5 and of the target mask sc.ym, and writes
// 2(p - y) D into g when g is not nil (MONAI's squared error uses the
// float target y, its field the mask).
func (sc *hdtScratch) channel(p, y []float32, g []float64, spatial []int, opt *distance.Options, alpha float64) (float64, error) {
	for i, v := range p {
		sc.pm[i] = 0
		if v > 0.5 {
			sc.pm[i] = 1
		}
	}
	if err := sc.field(sc.d, sc.pm, spatial, opt, alpha); err != nil {
		return 0, err
	}
	if err := sc.field(sc.f, sc.ym, spatial, opt, alpha); err != nil {
		return 0, err
	}
	var s float64
	for i, v := range p {
		e := float64(v) - float64(y[i])
		d := sc.d[i] + sc.f[i]
		s += e * e * d
		if g != nil {
			g[i] = 2 * e * d
		}
	}
	return s, nil
}
