#!/usr/bin/env bash
# The one-time setup of docs/ci.md as commands: the shared state backend, the Key Vault secrets provider,
# the deployer and the read-only preview identity (apps, federated credentials, Azure roles, Dataverse
# application users), one Pulumi stack per Pulumi.<stack>.yaml on the shared backend, and the Azure DevOps
# service connections and pipeline permissions. Every step looks before it creates, so a second run changes
# nothing; `--dry-run` prints every command instead of running it (and runs no `az` at all).
#
#   scripts/bootstrap-azure.sh --dry-run     print what it would do
#   scripts/bootstrap-azure.sh               do it (signed in with `az login` as someone who may create apps,
#                                            assign roles on the subscriptions, and administer Dataverse)
#
# Set the variables below (or export them first). The stacks, their subscriptions, resource groups, clouds
# and Dataverse URLs come from the stack files (scripts/stacks.py), so a new stack file needs no edit here.
# Nothing secret is printed: tokens go to curl on standard input, never on a command line or in the log.
set -euo pipefail

# ---- what to set -------------------------------------------------------------------------------------------
LOCATION="${LOCATION:-westeurope}"                          # region of the state account and the Key Vault
STATE_SUBSCRIPTION_ID="${STATE_SUBSCRIPTION_ID:-33333333-3333-4333-8333-333333333333}"
STATE_RESOURCE_GROUP="${STATE_RESOURCE_GROUP:-rg-handoff-state}"
STATE_ACCOUNT="${STATE_ACCOUNT:-contosostate}"              # globally unique, 3-24 lower-case letters and digits
STATE_CONTAINER="${STATE_CONTAINER:-pulumi-state}"
KEY_VAULT="${KEY_VAULT:-contoso-handoff-kv}"               # globally unique
KEY_NAME="${KEY_NAME:-pulumi}"
DEPLOYER_APP="${DEPLOYER_APP:-handoff-deployer}"            # display names of the two CI identities
PREVIEW_APP="${PREVIEW_APP:-handoff-preview}"
GITHUB_REPOSITORY="${GITHUB_REPOSITORY:-contoso/handoff}"   # owner/repo; empty: no GitHub credentials
AZDO_ORGANIZATION="${AZDO_ORGANIZATION:-contoso}"           # empty: no Azure DevOps steps
AZDO_ORGANIZATION_ID="${AZDO_ORGANIZATION_ID:-88888888-8888-4888-8888-888888888888}"  # the issuer's GUID
AZDO_PROJECT="${AZDO_PROJECT:-Handoff}"
AZDO_REPOSITORY="${AZDO_REPOSITORY:-handoff}"               # the Azure Repos repository of the pipelines
# ------------------------------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
DRY_RUN=false
case "${1:-}" in
  --dry-run) DRY_RUN=true ;;
  "") ;;
  -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--dry-run]" >&2; exit 2 ;;
esac

GRAPH_API=00000003-0000-0000-c000-000000000000          # Microsoft Graph's application id
OWNED_BY_ROLE=18a4783c-866b-4cc7-a460-3d5e5662c884      # Graph app role Application.ReadWrite.OwnedBy
GITHUB_ISSUER=https://token.actions.githubusercontent.com
AZDO_ISSUER="https://vstoken.dev.azure.com/$AZDO_ORGANIZATION_ID"
AUDIENCE=api://AzureADTokenExchange
# Dataverse privileges of the preview identity's role: Read on what the binding's check and diff read
# (components/clients/dataverse). Dataverse names them prvRead<schema name> [I]; a missing one stops the run.
PREVIEW_PRIVILEGES="prvReadUser prvReadRole prvReadBusinessUnit prvReadQueue prvReadSolution prvReadbot
prvReadmsdyn_liveworkstream prvReadmsdyn_ocliveworkstreamcontextvariable"
PREVIEW_ROLE="Handoff preview (read only)"

say() { printf '\n== %s\n' "$*"; }

# Runs a command, or prints it in a dry run, quoted as you would type it.
run() {
  local arg
  if "$DRY_RUN"; then
    printf '+'
    for arg in "$@"; do
      if [[ "$arg" =~ ^[][A-Za-z0-9_./:=@,+%\<\>-]+$ ]]; then printf ' %s' "$arg"
      else printf " '%s'" "${arg//\'/\'\\\'\'}"
      fi
    done
    printf '\n'
  else
    "$@"
  fi
}

# Prints what a look-up command finds; in a dry run, prints the command and finds nothing, so every
# create that follows is shown.
look() {
  if "$DRY_RUN"; then
    printf '? %s\n' "$*" >&2
  else
    "$@" 2>/dev/null || true
  fi
}

# A value a create returns; in a dry run, a placeholder that names it.
made() {
  local placeholder="$1"; shift
  if "$DRY_RUN"; then
    run "$@" >&2
    echo "<${placeholder// /-}>"
  else
    "$@"
  fi
}

stack_key() { "$PYTHON" "$ROOT/scripts/stacks.py" get "$1" "$2"; }

# Dataverse Web API as the signed-in operator; the token reaches curl on standard input, never argv.
dataverse() {
  local url="$1" method="$2" path="$3" body="${4:-}" token
  if "$DRY_RUN"; then  # to stderr: callers read what it prints on stdout
    printf '+ curl -X %s %s/api/data/v9.2/%s %s\n' "$method" "$url" "$path" "$body" >&2
    echo '{"value": []}'
    return
  fi
  token="$(az account get-access-token --resource "$url" --query accessToken --output tsv)"
  printf 'Authorization: Bearer %s\n' "$token" | curl --fail-with-body --silent --show-error -X "$method" \
    -H @- -H 'Content-Type: application/json' -H 'OData-Version: 4.0' \
    ${body:+--data "$body"} "$url/api/data/v9.2/$path"
}

json_first() { "$PYTHON" -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(v[0][sys.argv[1]] if v else "")' "$1"; }

role_assignment() {  # principal, role, scope
  local found
  found="$(look az role assignment list --assignee "$1" --role "$2" --scope "$3" --query '[0].id' --output tsv)"
  [ -n "$found" ] || run az role assignment create --assignee-object-id "$1" --assignee-principal-type \
    ServicePrincipal --role "$2" --scope "$3" --output none
}

federated_credential() {  # app id, credential name, issuer, subject
  local found
  found="$(look az ad app federated-credential show --id "$1" --federated-credential-id "$2" --query name \
    --output tsv)"
  [ -n "$found" ] || run az ad app federated-credential create --id "$1" --parameters \
    "{\"name\": \"$2\", \"issuer\": \"$3\", \"subject\": \"$4\", \"audiences\": [\"$AUDIENCE\"]}" --output none
}

app_with_principal() {  # display name -> "appId objectIdOfServicePrincipal"
  local app sp
  app="$(look az ad app list --display-name "$1" --query '[0].appId' --output tsv)"
  [ -n "$app" ] || app="$(made "$1 appId" az ad app create --display-name "$1" --sign-in-audience AzureADMyOrg \
    --query appId --output tsv)"
  sp="$(look az ad sp show --id "$app" --query id --output tsv)"
  [ -n "$sp" ] || sp="$(made "$1 principal id" az ad sp create --id "$app" --query id --output tsv)"
  echo "$app $sp"
}

dataverse_application_user() {  # dataverse url, app id, role name
  local url="$1" app="$2" role="$3" bu user role_id held
  bu="$(dataverse "$url" GET "businessunits?\$select=businessunitid&\$filter=_parentbusinessunitid_value%20eq%20null" \
    | json_first businessunitid)"
  user="$(dataverse "$url" GET "systemusers?\$select=systemuserid&\$filter=applicationid%20eq%20$app" \
    | json_first systemuserid)"
  if [ -z "$user" ]; then
    dataverse "$url" POST systemusers \
      "{\"applicationid\": \"$app\", \"businessunitid@odata.bind\": \"/businessunits(${bu:-<root>})\"}" >/dev/null
    user="$(dataverse "$url" GET "systemusers?\$select=systemuserid&\$filter=applicationid%20eq%20$app" \
      | json_first systemuserid)"
  fi
  role_id="$(dataverse "$url" GET "roles?\$select=roleid&\$filter=name%20eq%20'${role// /%20}'%20and%20_businessunitid_value%20eq%20${bu:-<root>}" \
    | json_first roleid)"
  if [ -z "$role_id" ] && ! "$DRY_RUN"; then
    echo "Dataverse at $url has no role '$role' in the root business unit" >&2
    exit 1
  fi
  held="$(dataverse "$url" GET \
    "systemusers(${user:-<user>})/systemuserroles_association?\$select=roleid&\$filter=roleid%20eq%20${role_id:-<role>}" \
    | json_first roleid)"
  [ -n "$held" ] || dataverse "$url" POST "systemusers(${user:-<user>})/systemuserroles_association/\$ref" \
    "{\"@odata.id\": \"$url/api/data/v9.2/roles(${role_id:-<role>})\"}" >/dev/null
}

preview_role() {  # dataverse url: the read-only role, made once per environment
  local url="$1" bu role_id privilege id privileges=""
  bu="$(dataverse "$url" GET "businessunits?\$select=businessunitid&\$filter=_parentbusinessunitid_value%20eq%20null" \
    | json_first businessunitid)"
  role_id="$(dataverse "$url" GET "roles?\$select=roleid&\$filter=name%20eq%20'${PREVIEW_ROLE// /%20}'" \
    | json_first roleid)"
  if [ -z "$role_id" ]; then
    dataverse "$url" POST roles \
      "{\"name\": \"$PREVIEW_ROLE\", \"businessunitid@odata.bind\": \"/businessunits(${bu:-<root>})\"}" >/dev/null
    role_id="$(dataverse "$url" GET "roles?\$select=roleid&\$filter=name%20eq%20'${PREVIEW_ROLE// /%20}'" \
      | json_first roleid)"
  fi
  for privilege in $PREVIEW_PRIVILEGES; do
    id="$(dataverse "$url" GET "privileges?\$select=privilegeid&\$filter=name%20eq%20'$privilege'" \
      | json_first privilegeid)"
    if [ -z "$id" ] && ! "$DRY_RUN"; then
      echo "Dataverse at $url has no privilege $privilege: add Read on that table to '$PREVIEW_ROLE' by hand" >&2
      exit 1
    fi
    privileges="$privileges${privileges:+, }{\"PrivilegeId\": \"${id:-<$privilege>}\", \"Depth\": \"Global\", \"BusinessUnitId\": \"${bu:-<root>}\"}"
  done
  dataverse "$url" POST "roles(${role_id:-<role>})/Microsoft.Dynamics.CRM.AddPrivilegesRole" \
    "{\"Privileges\": [$privileges]}" >/dev/null
}

azdo_connection() {  # name, app id, tenant, subscription, az cloud name -> endpoint id
  local name="$1" file found
  found="$(look az devops service-endpoint list --organization "https://dev.azure.com/$AZDO_ORGANIZATION" \
    --project "$AZDO_PROJECT" --query "[?name=='$name'].id | [0]" --output tsv)"
  if [ -n "$found" ]; then echo "$found"; return; fi
  file="$(mktemp)"
  cat >"$file" <<EOF
{"name": "$name", "type": "AzureRM", "url": "$(azure_endpoint "$5")",
 "authorization": {"scheme": "WorkloadIdentityFederation",
                   "parameters": {"serviceprincipalid": "$2", "tenantid": "$3"}},
 "data": {"environment": "$5", "scopeLevel": "Subscription", "subscriptionId": "$4",
          "subscriptionName": "$4", "creationMode": "Manual"},
 "serviceEndpointProjectReferences": [{"name": "$name", "projectReference": {"name": "$AZDO_PROJECT"}}]}
EOF
  if "$DRY_RUN"; then sed "s/^/  | /" "$file" >&2; fi
  made "$name id" az devops service-endpoint create --service-endpoint-configuration "$file" \
    --organization "https://dev.azure.com/$AZDO_ORGANIZATION" --project "$AZDO_PROJECT" --query id --output tsv
  rm -f "$file"
}

azure_endpoint() {  # the ARM endpoint of an az cloud name (components/clients/cloud.py has the same hosts)
  case "$1" in
    AzureUSGovernment) echo https://management.usgovcloudapi.net/ ;;
    AzureChinaCloud) echo https://management.chinacloudapi.cn/ ;;
    *) echo https://management.azure.com/ ;;
  esac
}

pipeline_may_use() {  # pipeline name, endpoint id: authorize only that pipeline, not all pipelines
  local pipeline body
  pipeline="$(look az pipelines show --name "$1" --organization "https://dev.azure.com/$AZDO_ORGANIZATION" \
    --project "$AZDO_PROJECT" --query id --output tsv)"
  [ -n "$pipeline" ] || pipeline="$(made "$1 pipeline id" az pipelines create --name "$1" \
    --yaml-path ".azure-pipelines/${1#handoff-}.yml" --repository "$AZDO_REPOSITORY" --repository-type tfsgit \
    --branch main --skip-first-run --organization "https://dev.azure.com/$AZDO_ORGANIZATION" \
    --project "$AZDO_PROJECT" --query id --output tsv)"
  body="$(mktemp)"
  printf '{"pipelines": [{"id": %s, "authorized": true}]}\n' "${pipeline//[<>]/\"}" >"$body"
  run az devops invoke --area pipelinePermissions --resource pipelinePermissions --http-method PATCH \
    --route-parameters project="$AZDO_PROJECT" resourceType=endpoint resourceId="$2" --api-version 7.1-preview \
    --in-file "$body" --organization "https://dev.azure.com/$AZDO_ORGANIZATION" --output none
  rm -f "$body"
}

# ---- the steps ----------------------------------------------------------------------------------------------
STACKS="$("$PYTHON" "$ROOT/scripts/stacks.py" list)"
say "Stacks (from the Pulumi.<stack>.yaml files, in deploy order): $(echo "$STACKS" | tr '\n' ' ')"

say "1. State backend: resource group, storage account, container (Storage Blob Data Contributor for you)"
run az account set --subscription "$STATE_SUBSCRIPTION_ID"
run az group create --name "$STATE_RESOURCE_GROUP" --location "$LOCATION" --output none
account_id="$(look az storage account show --name "$STATE_ACCOUNT" --resource-group "$STATE_RESOURCE_GROUP" \
  --query id --output tsv)"
[ -n "$account_id" ] || account_id="$(made "state account id" az storage account create --name "$STATE_ACCOUNT" \
  --resource-group "$STATE_RESOURCE_GROUP" --location "$LOCATION" --sku Standard_ZRS --min-tls-version TLS1_2 \
  --allow-blob-public-access false --allow-shared-key-access false --query id --output tsv)"
me="$(made "your object id" az ad signed-in-user show --query id --output tsv)"
# `container create --auth-mode login` is a data-plane call: Owner or Contributor on the account do not allow it.
found="$(look az role assignment list --assignee "$me" --role "Storage Blob Data Contributor" --scope \
  "$account_id" --query '[0].id' --output tsv)"
[ -n "$found" ] || run az role assignment create --assignee "$me" --role "Storage Blob Data Contributor" \
  --scope "$account_id" --output none
run az storage container create --account-name "$STATE_ACCOUNT" --name "$STATE_CONTAINER" --auth-mode login \
  --output none
container_scope="$account_id/blobServices/default/containers/$STATE_CONTAINER"
backend_url="azblob://$STATE_CONTAINER?storage_account=$STATE_ACCOUNT"

say "2. Key Vault (RBAC) and its key: the secrets provider (Key Vault Crypto Officer for you)"
vault_id="$(look az keyvault show --name "$KEY_VAULT" --query id --output tsv)"
[ -n "$vault_id" ] || vault_id="$(made "vault id" az keyvault create --name "$KEY_VAULT" --resource-group \
  "$STATE_RESOURCE_GROUP" --location "$LOCATION" --enable-rbac-authorization true --enable-purge-protection true \
  --query id --output tsv)"
found="$(look az role assignment list --assignee "$me" --role "Key Vault Crypto Officer" --scope "$vault_id" \
  --query '[0].id' --output tsv)"
[ -n "$found" ] || run az role assignment create --assignee "$me" --role "Key Vault Crypto Officer" --scope \
  "$vault_id" --output none
found="$(look az keyvault key show --vault-name "$KEY_VAULT" --name "$KEY_NAME" --query key.kid --output tsv)"
[ -n "$found" ] || run az keyvault key create --vault-name "$KEY_VAULT" --name "$KEY_NAME" --kty RSA --size 3072 \
  --ops encrypt decrypt --output none
# The vault's host differs per cloud (vault.azure.net, vault.usgovcloudapi.net, vault.azure.cn): ask the CLI.
vault_dns=.vault.azure.net
"$DRY_RUN" || vault_dns="$(az cloud show --query suffixes.keyvaultDns --output tsv)"
secrets_provider="azurekeyvault://$KEY_VAULT$vault_dns/keys/$KEY_NAME"

say "3. The deployer: app, Graph Application.ReadWrite.OwnedBy, state and key access"
read -r deployer deployer_sp <<<"$(app_with_principal "$DEPLOYER_APP")"
run az ad app permission add --id "$deployer" --api "$GRAPH_API" --api-permissions "$OWNED_BY_ROLE=Role" \
  --output none
run az ad app permission admin-consent --id "$deployer"
role_assignment "$deployer_sp" "Storage Blob Data Contributor" "$container_scope"
role_assignment "$deployer_sp" "Key Vault Crypto User" "$vault_id"

say "4. The preview identity (read only): app, state read, key decrypt"
read -r previewer previewer_sp <<<"$(app_with_principal "$PREVIEW_APP")"
role_assignment "$previewer_sp" "Storage Blob Data Reader" "$container_scope"
role_assignment "$previewer_sp" "Key Vault Crypto User" "$vault_id"
[ -z "$GITHUB_REPOSITORY" ] || federated_credential "$previewer" github-pull-request "$GITHUB_ISSUER" \
  "repo:$GITHUB_REPOSITORY:pull_request"

for stack in $STACKS; do
  subscription="$(stack_key "$stack" subscriptionId)"
  group="$(stack_key "$stack" resourceGroupName)"
  dataverse_url="$(stack_key "$stack" dataverseUrl)"
  tenant="$(stack_key "$stack" tenantId)"
  location="$(stack_key "$stack" botLocation)"
  [ "$location" != global ] || location="$LOCATION"
  az_cloud="$("$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1]); import stacks; print(stacks.AZ_CLOUDS[sys.argv[2]])' \
    "$ROOT/scripts" "$(stack_key "$stack" cloud)")"
  group_id="/subscriptions/$subscription/resourceGroups/$group"

  say "5. Stack $stack: resource group, roles, federated credentials, Dataverse users ($az_cloud)"
  run az provider register --namespace Microsoft.BotService --subscription "$subscription"
  run az group create --name "$group" --location "$location" --subscription "$subscription" --output none
  role_assignment "$deployer_sp" Contributor "$group_id"
  role_assignment "$previewer_sp" Reader "$group_id"
  [ -z "$GITHUB_REPOSITORY" ] || federated_credential "$deployer" "github-$stack" "$GITHUB_ISSUER" \
    "repo:$GITHUB_REPOSITORY:environment:$stack"
  if [ -n "$AZDO_ORGANIZATION" ]; then
    federated_credential "$deployer" "azdo-$stack" "$AZDO_ISSUER" \
      "sc://$AZDO_ORGANIZATION/$AZDO_PROJECT/handoff-$stack"
    federated_credential "$previewer" "azdo-$stack-preview" "$AZDO_ISSUER" \
      "sc://$AZDO_ORGANIZATION/$AZDO_PROJECT/handoff-$stack-preview"
  fi
  dataverse_application_user "$dataverse_url" "$deployer" "System Administrator"
  preview_role "$dataverse_url"
  dataverse_application_user "$dataverse_url" "$previewer" "$PREVIEW_ROLE"

  say "6. Stack $stack on the shared backend with the Key Vault secrets provider"
  if "$DRY_RUN" || ! PULUMI_BACKEND_URL="$backend_url" pulumi stack select "$stack" --cwd "$ROOT" >/dev/null 2>&1
  then
    run env PULUMI_BACKEND_URL="$backend_url" pulumi stack init "$stack" --cwd "$ROOT" \
      --secrets-provider "$secrets_provider"
  fi

  if [ -n "$AZDO_ORGANIZATION" ]; then
    say "7. Stack $stack in Azure DevOps: service connections, each usable by its pipelines only"
    endpoint="$(azdo_connection "handoff-$stack" "$deployer" "$tenant" "$subscription" "$az_cloud")"
    pipeline_may_use handoff-deploy "$endpoint"
    pipeline_may_use handoff-drift "$endpoint"
    endpoint="$(azdo_connection "handoff-$stack-preview" "$previewer" "$tenant" "$subscription" "$az_cloud")"
    pipeline_may_use handoff-preview "$endpoint"
  fi
  if [ -n "$GITHUB_REPOSITORY" ]; then
    say "8. Stack $stack in GitHub: the environment's variables"
    run gh variable set ARM_CLIENT_ID --env "$stack" --body "$deployer" --repo "$GITHUB_REPOSITORY"
    run gh variable set ARM_TENANT_ID --env "$stack" --body "$tenant" --repo "$GITHUB_REPOSITORY"
  fi
done

say "9. Pipeline variables"
if [ -n "$GITHUB_REPOSITORY" ]; then
  run gh variable set PULUMI_BACKEND_URL --body "$backend_url" --repo "$GITHUB_REPOSITORY"
  run gh variable set PREVIEW_ARM_CLIENT_ID --body "$previewer" --repo "$GITHUB_REPOSITORY"
fi
if [ -n "$AZDO_ORGANIZATION" ]; then
  for pipeline in handoff-preview handoff-deploy handoff-drift; do
    found="$(look az pipelines variable list --pipeline-name "$pipeline" --organization \
      "https://dev.azure.com/$AZDO_ORGANIZATION" --project "$AZDO_PROJECT" --query PULUMI_BACKEND_URL.value \
      --output tsv)"
    [ -n "$found" ] || run az pipelines variable create --pipeline-name "$pipeline" --name PULUMI_BACKEND_URL \
      --value "$backend_url" --organization "https://dev.azure.com/$AZDO_ORGANIZATION" --project "$AZDO_PROJECT" \
      --output none
  done
fi
say "Done. Commit the secretsprovider/encryptedkey lines pulumi wrote into the stack files (no secret in them)."
