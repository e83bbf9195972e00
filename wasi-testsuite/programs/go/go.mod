module wasirun.test/guests

go 1.21
