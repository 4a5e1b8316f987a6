// Package e2e holds end-to-end tests of pvmd: TestMain builds the real
// binary, and each test starts it on a temporary state directory (loopback
// ports only) and drives it over HTTP/HTTPS the way PowerVM clients do.
// The tests are in the _test.go files; this file only names the package.
package e2e
