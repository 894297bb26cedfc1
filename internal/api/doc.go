// Package api is the wire layer of iamd: the AWS Query protocol of IAM and
// STS over HTTP. It routes a request to its operation, authenticates and
// authorizes it through interfaces the wiring provides, decodes and
// validates the input against the botocore model, calls the typed handler
// registered for the operation and encodes the result or the error in AWS's
// XML envelopes.
//
// The shape packages iamshape and stsshape are generated from botocore's
// service models by ./gen; their output is committed.
package api

//go:generate go run ./gen -out .
