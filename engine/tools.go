//go:build tools

// Package engine pins the Pulumi engine build. The blank imports keep the
// modules in go.mod/go.sum so `go build` of the CLI is reproducible.
package engine

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/common/version"
)
