#!/bin/sh
echo "hello from the gateway, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
