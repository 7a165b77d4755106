module github.com/segloss/segloss

go 1.26
