-- CreateTable
CREATE TABLE "console_links" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "console_sessions" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "console_links_hash_key" ON "console_links"("hash");

-- CreateIndex
CREATE INDEX "console_links_tenant_id_created_at_idx" ON "console_links"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "console_sessions_hash_key" ON "console_sessions"("hash");

-- CreateIndex
CREATE INDEX "console_sessions_tenant_id_created_at_idx" ON "console_sessions"("tenant_id", "created_at");

-- AddForeignKey
ALTER TABLE "console_links" ADD CONSTRAINT "console_links_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "console_sessions" ADD CONSTRAINT "console_sessions_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;
