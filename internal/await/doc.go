// Package await lets tests wait for something that happens on another
// goroutine or in another process (a member joins, a line is printed, a
// counter reaches a value) by polling a condition with a short back-off
// until it holds or a timeout passes: a retry-until instead of a bare sleep.
//
// It is a leaf package: it imports no other mqherd package, and only tests
// import it.
package await
