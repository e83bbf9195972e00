module wasirun.bench/hello

go 1.21
