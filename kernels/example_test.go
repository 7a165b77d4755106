package kernels_test

import (
	"errors"
	"fmt"

	"github.com/segloss/segloss/kernels"
)

// The tier choice, and a checked elementwise primitive: a shorter input
// than output is an error, and nothing is written.
func ExampleExp() {
	tiers := kernels.Available()
	fmt.Println("last tier:", tiers[len(tiers)-1])

	x := []float32{0, 1, -1}
	dst := make([]float32, 3)
	if err := kernels.Exp(dst, x); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.5f\n", dst)

	err := kernels.Exp(make([]float32, 4), x)
	fmt.Println(errors.Is(err, kernels.ErrArg))
	// Output:
	// last tier: generic
	// [1.00000 2.71828 0.36788]
	// true
}
