"""OData v4 as the Dataverse Web API speaks it: resource paths, query options, $filter, Prefer."""
