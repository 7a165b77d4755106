// Package asm holds the generated AVX2 and AVX-512 kernels of segloss. Every
// file but this one is written by the avo generators in ../gen (go generate
// ./... at the repository root, or make generate) and must not be edited.
// Package kernels binds these functions at init; nothing else imports them.
package asm

//go:generate sh -c "cd ../gen && go run ./amd64 -family elementwise -pkg asm -out ../asm/elementwise_amd64.s -stubs ../asm/elementwise_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family sigmoid -pkg asm -out ../asm/sigmoid_amd64.s -stubs ../asm/sigmoid_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family softmax -pkg asm -out ../asm/softmax_amd64.s -stubs ../asm/softmax_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family roofline -pkg asm -out ../asm/roofline_amd64.s -stubs ../asm/roofline_amd64.go"
//go:generate sh -c "cd ../gen && go run ./amd64 -family confusion -pkg asm -out ../asm/confusion_amd64.s -stubs ../asm/confusion_amd64.go"
