// Package asm holds the generated AVX2, AVX-512 and NEON kernels of segloss.
// Every file but this one is written by the generators in ../gen (avo for
// amd64, gen/arm64's typed emitter for arm64; go generate ./... at the
// repository root, or make generate) and must not be edited.
// Package kernels binds these functions at init; nothing else imports them.
package asm

//go:generate sh -c "cd ../gen && go run ./amd64 -family elementwise -pkg asm -out ../asm/elementwise_amd64.s -stubs ../asm/elementwise_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family sigmoid -pkg asm -out ../asm/sigmoid_amd64.s -stubs ../asm/sigmoid_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family softmax -pkg asm -out ../asm/softmax_amd64.s -stubs ../asm/softmax_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family roofline -pkg asm -out ../asm/roofline_amd64.s -stubs ../asm/roofline_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family confusion -pkg asm -out ../asm/confusion_amd64.s -stubs ../asm/confusion_amd64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family elementwise -out ../asm/elementwise_arm64.s -stubs ../asm/elementwise_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family sigmoid -out ../asm/sigmoid_arm64.s -stubs ../asm/sigmoid_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family softmax -out ../asm/softmax_arm64.s -stubs ../asm/softmax_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family confusion -out ../asm/confusion_arm64.s -stubs ../asm/confusion_arm64.go"
//go:generate sh -c "cd ../gen && go run ./arm64 -family roofline -out ../asm/roofline_arm64.s -stubs ../asm/roofline_arm64.go"
