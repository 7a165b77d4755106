package kernels

// The memory roofline: the plainest streaming kernels over the same bytes a
// loss reads and writes, to measure how close a loss comes to the machine's
// memory bandwidth.

// Sum returns the float32 sum of x in the active tier's plainest streaming
// reduction (vector lanes summed at the end). It is the roofline of a
// statistics pass, which reads the logits and targets once.
func Sum(x []float32) float32 {
	if f := active.Load().sum; f != nil {
		return f(x)
	}
	return sumGeneric(x)
}

// Copy copies src into dst (the shorter length): the roofline of a gradient
// pass, which reads the logits and writes the gradient. The assembly tiers
// copy with their own vector width (asm CopyAVX2, CopyAVX512); the generic
// tier uses the Go runtime's memmove, which uses the widest vector moves of
// the CPU.
func Copy(dst, src []float32) int {
	if f := active.Load().copy; f != nil {
		n := min(len(dst), len(src))
		f(dst[:n], src[:n])
		return n
	}
	return copy(dst, src)
}

func sumGeneric(x []float32) float32 {
	var s [8]float32
	i := 0
	for ; i+8 <= len(x); i += 8 {
		v := x[i : i+8 : i+8]
		s[0] += v[0]
		s[1] += v[1]
		s[2] += v[2]
		s[3] += v[3]
		s[4] += v[4]
		s[5] += v[5]
		s[6] += v[6]
		s[7] += v[7]
	}
	for ; i < len(x); i++ {
		s[0] += x[i]
	}
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))
}
