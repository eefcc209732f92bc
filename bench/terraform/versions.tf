# The same stack `resume-infra up` builds, as a Terraform configuration, for the side-by-side
# benchmark in bench/run.ts (issue 7). It is a fair, ordinary Terraform setup: one root module,
# the AWS provider, state in S3 with a lock file, no third-party modules.
#
# The backend is left partial: bench/run.ts passes bucket, key, region and the emulator's
# endpoints with `terraform init -backend-config=<file>`. Against real AWS pass only
# bucket/key/region.
terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }

  backend "s3" {}
}
