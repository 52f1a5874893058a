"""The emulated tables, with the column names the Dataverse and Dynamics 365 references give (reference §5).

Only the columns the hand-off reads or writes, plus enough to look realistic. Option-set values are the
documented ones; where a value is only community-observed or inferred, the comment says so. Object type
codes of the msdyn_/bot tables differ per environment in reality; the numbers here are placeholders.
"""

from __future__ import annotations

from .schema import Column, Lookup, ManyToMany, Schema, Table

OMNICHANNEL_BASE = "msdyn_OmnichannelBase"  # [D] unique name of the Omnichannel base solution

STATE = Column("statecode", "picklist", default=0, choices=(0, 1))
STATUS = Column("statuscode", "picklist", default=1, choices=(1, 2))
SYSTEM = (
    Column("createdon", "datetime", read_only=True),
    Column("modifiedon", "datetime", read_only=True),
    Column("versionnumber", "int", read_only=True),
)

BUSINESS_UNIT = Table(
    "businessunit",
    "businessunits",
    "businessunitid",
    "name",
    "Business Unit",
    10,
    "BusinessUnit",
    columns=(
        Column("name", "string", required=True),
        Column("divisionname", "string"),
        Column("isdisabled", "bool", default=False),
    )
    + SYSTEM,
    lookups=(Lookup("parentbusinessunitid", "parentbusinessunitid", "businessunit"),),
    deletable=False,
)

ROLE = Table(
    "role",
    "roles",
    "roleid",
    "name",
    "Security Role",
    1036,
    "Role",
    columns=(
        Column("name", "string", required=True),
        Column("ismanaged", "bool", default=True, read_only=True),
    )
    + SYSTEM,
    lookups=(Lookup("businessunitid", "businessunitid", "businessunit", required=True),),
)

SYSTEM_USER = Table(
    "systemuser",
    "systemusers",
    "systemuserid",
    "fullname",
    "User",
    8,
    "User",
    columns=(
        Column("firstname", "string"),
        Column("lastname", "string"),
        Column("fullname", "string", read_only=True),
        Column("domainname", "string"),
        Column("internalemailaddress", "string"),
        Column("applicationid", "guid"),
        Column("azureactivedirectoryobjectid", "guid"),
        Column("isdisabled", "bool", default=False),
        # 0 Read-Write, 1 Administrative, 2 Read, 3 Support User, 4 Non-interactive, 5 Delegated Admin
        Column("accessmode", "picklist", default=0, choices=(0, 1, 2, 3, 4, 5)),
        # Bot columns of the Customer Service extension of systemuser [D: CE-systemuser]; note the capital T.
        Column("msdyn_agentType", "picklist", choices=(192350000, 192350001)),
        Column("msdyn_botapplicationid", "string"),
        Column("msdyn_botprovider", "picklist", default=192350001, choices=(192350000, 192350001, 192350002)),
        Column("msdyn_botendpoint", "string"),
        Column("msdyn_botdescription", "memo"),
        Column("msdyn_botsecretkeys", "string"),
        Column("msdyn_bothandle", "string"),
        Column("msdyn_usertype", "picklist", default=192350000, choices=(192350000, 192350001)),
        Column("msdyn_owningenvironmentid", "string"),
        Column("msdyn_capacity", "int"),
        # 0 not deleted, 1 soft-deleted: a DELETE soft-deletes, a second one purges [C: Microsoft's Terraform
        # provider, internal/services/application/api_application.go, filters it out of lookups].
        Column("deletedstate", "picklist", default=0, choices=(0, 1), read_only=True),
    )
    + SYSTEM,
    lookups=(Lookup("businessunitid", "businessunitid", "businessunit", required=True),),
)

QUEUE = Table(
    "queue",
    "queues",
    "queueid",
    "name",
    "Queue",
    2020,
    "Queue",
    columns=(
        Column("name", "string", required=True),
        Column("description", "memo"),
        Column("emailaddress", "string"),
        Column("queueviewtype", "picklist", default=0, choices=(0, 1)),
        Column("msdyn_isomnichannelqueue", "bool", default=False),
        Column("msdyn_queuetype", "picklist", choices=(192350000, 192350001, 192350002)),
        Column("msdyn_assignmentstrategy", "picklist", choices=(192350000, 192350001, 192350002, 192350003)),
        Column("msdyn_priority", "int"),
        Column("msdyn_isdefaultqueue", "bool", default=False),
        Column("msdyn_maxqueuesize", "int"),
        Column("msdyn_uniquename", "string"),
        STATE,
        STATUS,
    )
    + SYSTEM,
)

WORKSTREAM = Table(
    "msdyn_liveworkstream",
    "msdyn_liveworkstreams",
    "msdyn_liveworkstreamid",
    "msdyn_name",
    "Work Stream",
    10700,
    "msdyn_liveworkstream",
    columns=(
        Column("msdyn_name", "string", required=True),
        # Channel; 192350000 Entity Records is the core value, channel solutions add others (live chat is
        # 192390000 [I]), so any whole number is accepted.
        Column("msdyn_streamsource", "picklist", default=192350000),
        Column("msdyn_workdistributionmode", "picklist", default=192350000, choices=(192350000, 192350001)),
        Column("msdyn_mode", "picklist", choices=(717210000, 717210001)),
        Column("msdyn_direction", "picklist", default=0, choices=(0, 1, 2, 3, 4)),
        Column("msdyn_capacityformat", "picklist", choices=(192350000, 192360000)),
        Column("msdyn_capacityrequired", "int"),
        Column("msdyn_maxconcurrentconnection", "int"),
        Column("msdyn_autocloseafterinactivity", "int"),
        Column("msdyn_bot_rule", "string"),
        Column("msdyn_allowedpresences", "string"),
        STATE,
        STATUS,
    )
    + SYSTEM,
    lookups=(
        Lookup("msdyn_bot_user", "msdyn_bot_user", "systemuser"),
        Lookup("msdyn_bot_queue", "msdyn_bot_queue", "queue"),
        Lookup("msdyn_defaultqueue", "msdyn_defaultqueue", "queue"),
    ),
    solution=OMNICHANNEL_BASE,
)

CONTEXT_VARIABLE = Table(
    "msdyn_ocliveworkstreamcontextvariable",
    "msdyn_ocliveworkstreamcontextvariables",
    "msdyn_ocliveworkstreamcontextvariableid",
    "msdyn_name",
    "Context variable",
    10701,
    "msdyn_ocliveworkstreamcontextvariable",
    columns=(
        Column("msdyn_name", "string", required=True),
        Column("msdyn_displayname", "string"),
        # 192350000 Text, 192350001 Number, 192350002 Boolean, 192350100 Entity Reference [C] (ref. §5.9)
        Column(
            "msdyn_datatype", "picklist", required=True, choices=(192350000, 192350001, 192350002, 192350100)
        ),
        Column("msdyn_islist", "bool", default=False),
        Column("msdyn_isdisplayable", "bool", default=False),
        Column("msdyn_ismodifiable", "bool", default=False),
        Column("msdyn_issystemdefined", "bool", default=False),
        Column("msdyn_entitylogicalname", "string"),
        Column("msdyn_relationshipname", "string"),
        STATE,
        STATUS,
    )
    + SYSTEM,
    lookups=(
        Lookup(
            "msdyn_liveworkstreamid",
            "msdyn_liveworkstreamid",
            "msdyn_liveworkstream",
            required=True,
            cascade_delete=True,
        ),
    ),
    solution=OMNICHANNEL_BASE,
)

BOT = Table(
    "bot",
    "bots",
    "botid",
    "name",
    "Copilot",
    10200,
    "bot",
    columns=(
        Column("name", "string", required=True),
        Column("schemaname", "string", required=True, create_only=True),
        Column("language", "int", default=1033, create_only=True),
        Column("configuration", "memo"),
        Column("authenticationmode", "picklist", default=1, choices=(0, 1, 2, 3, 4)),
        Column("authenticationtrigger", "picklist", default=0, choices=(0, 1)),
        Column("accesscontrolpolicy", "picklist", default=0, choices=(0, 1, 2)),
        Column("runtimeprovider", "picklist", default=0, choices=(0, 1)),
        Column("template", "string"),
        Column("iconbase64", "memo"),
        Column("publishedon", "datetime", read_only=True),
        Column("synchronizationstatus", "memo", read_only=True),
        STATE,
        # 1 Provisioned, 2 Deprovisioned, 3 Provisioning, 4 ProvisionFailed, 5 MissingLicense [D: DV-bot]
        Column("statuscode", "picklist", default=1, choices=(1, 2, 3, 4, 5)),
    )
    + SYSTEM,
    lookups=(Lookup("publishedby", "publishedby", "systemuser", read_only=True),),
)

BOT_COMPONENT = Table(
    "botcomponent",
    "botcomponents",
    "botcomponentid",
    "name",
    "Copilot component",
    10201,
    "botcomponent",
    columns=(
        Column("name", "string", required=True),
        Column("schemaname", "string", required=True),
        Column("componenttype", "picklist", required=True),
        Column("content", "memo"),
        Column("data", "memo"),
        Column("description", "memo"),
        STATE,
        STATUS,
    )
    + SYSTEM,
    lookups=(Lookup("parentbotid", "parentbotid", "bot", cascade_delete=True),),
)

SOLUTION = Table(
    "solution",
    "solutions",
    "solutionid",
    "friendlyname",
    "Solution",
    7100,
    "Solution",
    columns=(
        Column("uniquename", "string", required=True),
        Column("friendlyname", "string", required=True),
        Column("version", "string"),
        Column("ismanaged", "bool", default=False),
        Column("installedon", "datetime"),
        Column("isvisible", "bool", default=True),
        Column("description", "memo"),
    )
    + SYSTEM,
)

USER_ROLES = ManyToMany(
    "systemuserroles_association", "systemuser", "role", "systemuserroles", privilege="prvAssignRole"
)
QUEUE_MEMBERSHIP = ManyToMany(
    "queuemembership_association",
    "queue",
    "systemuser",
    "queuemembership",
    privilege="prvAppendToQueue",
    intersect_set="queuememberships",
)

TABLES = (BUSINESS_UNIT, ROLE, SYSTEM_USER, QUEUE, WORKSTREAM, CONTEXT_VARIABLE, BOT, BOT_COMPONENT, SOLUTION)
RELATIONSHIPS = (USER_ROLES, QUEUE_MEMBERSHIP)


def default_schema() -> Schema:
    return Schema(TABLES, RELATIONSHIPS)
