package main

import "runtime"

func runtimeDesc() string { return runtime.GOOS + "/" + runtime.GOARCH }
