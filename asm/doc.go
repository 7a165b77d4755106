// Package asm holds the generated AVX2, AVX-512 and NEON kernels of segloss.
//
// The kernels themselves are unexported: the *_amd64.s, *_arm64.s files and
// their stubs *_amd64.go, *_arm64.go (elementwise, sigmoid, softmax,
// confusion, roofline, soft) are written by the generators in ../gen (avo for
// amd64, gen/arm64's typed emitter for arm64; go generate ./... at the
// repository root, or make generate) and must not be edited.
//
// Every exported function is a checked entry point of one kernel, written
// by hand in checked_amd64.go and checked_arm64.go with the checks of
// check.go (and cpu_amd64.go's CPU features): it compares its slices'
// lengths with its counts in O(1) first and returns an error (ErrArg, or
// ErrCPU for a tier the CPU does not run) instead of running a kernel that
// would read or write outside them. Those files, this one and the tests are
// the only hand-written files. Package kernels binds the entry points at
// init and is what a user calls; a direct caller gets the same safety, not
// the same convenience.
package asm

//go:generate sh -c "cd ../gen && go run ./amd64 -family elementwise -pkg asm -out ../asm/elementwise_amd64.s -stubs ../asm/elementwise_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family sigmoid -pkg asm -out ../asm/sigmoid_amd64.s -stubs ../asm/sigmoid_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family softmax -pkg asm -out ../asm/softmax_amd64.s -stubs ../asm/softmax_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family roofline -pkg asm -out ../asm/roofline_amd64.s -stubs ../asm/roofline_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family confusion -pkg asm -out ../asm/confusion_amd64.s -stubs ../asm/confusion_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family soft -pkg asm -out ../asm/soft_amd64.s -stubs ../asm/soft_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family edt -pkg asm -out ../asm/edt_amd64.s -stubs ../asm/edt_amd64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family elementwise -out ../asm/elementwise_arm64.s -stubs ../asm/elementwise_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family sigmoid -out ../asm/sigmoid_arm64.s -stubs ../asm/sigmoid_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family softmax -out ../asm/softmax_arm64.s -stubs ../asm/softmax_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family confusion -out ../asm/confusion_arm64.s -stubs ../asm/confusion_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family roofline -out ../asm/roofline_arm64.s -stubs ../asm/roofline_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family soft -out ../asm/soft_arm64.s -stubs ../asm/soft_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family edt -out ../asm/edt_arm64.s -stubs ../asm/edt_arm64.go"
