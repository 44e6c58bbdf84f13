-- CreateIndex
CREATE INDEX "platform_identity_home_opened_at_idx" ON "platform_identity"("home_opened_at");
